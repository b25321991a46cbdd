from django.urls import path

from sanxin.rewards.views import candidates, policy

app_name = "rewards"

urlpatterns = [
    path("policy/", policy.policy, name="policy"),
    # --- party and cadre reserve candidates (政治激励) ---
    path("candidates/", candidates.candidate_list, name="candidates"),
    path("candidates/mine/", candidates.mine, name="candidates_mine"),
    path("candidates/criteria/", candidates.criteria, name="candidate_criteria"),
    path("candidates/villages/<int:pk>/", candidates.village_candidates, name="candidates_village"),
    path(
        "candidates/villages/<int:pk>/nominate/",
        candidates.candidate_nominate,
        name="candidate_nominate",
    ),
    path("candidates/<int:pk>/", candidates.candidate_detail, name="candidate"),
    path("candidates/<int:pk>/confirm/", candidates.candidate_confirm, name="candidate_confirm"),
    path("candidates/<int:pk>/forward/", candidates.candidate_forward, name="candidate_forward"),
    path("candidates/<int:pk>/accept/", candidates.candidate_accept, name="candidate_accept"),
    path("candidates/<int:pk>/withdraw/", candidates.candidate_withdraw, name="candidate_withdraw"),
    path("candidates/<int:pk>/tell/", candidates.candidate_tell, name="candidate_tell"),
]
