from django.urls import path

from sanxin.api import views

app_name = "api"

urlpatterns = [
    path("tokens/", views.tokens, name="tokens"),
    path("tokens/<int:pk>/revoke/", views.token_revoke, name="token_revoke"),
    path("users/<int:pk>/tokens/", views.user_tokens, name="user_tokens"),
    path("docs/", views.docs, name="docs"),
]
