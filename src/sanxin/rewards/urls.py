from django.urls import path

from sanxin.rewards.views import policy

app_name = "rewards"

urlpatterns = [
    path("policy/", policy.policy, name="policy"),
]
