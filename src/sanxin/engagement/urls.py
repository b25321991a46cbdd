from django.urls import path

from sanxin.engagement.views import activities, board, contributions, honours, suggestions

app_name = "engagement"

urlpatterns = [
    # Village activities (村内活动) and check-in: engagement/views/activities.py
    path("activities/", activities.activity_list, name="activities"),
    path("activities/new/", activities.activity_new, name="activity_new"),
    path("activities/<int:pk>/", activities.activity_detail, name="activity"),
    path("activities/<int:pk>/signup/", activities.signup, name="activity_signup"),
    path(
        "activities/signups/<int:pk>/withdraw/",
        activities.signup_withdraw,
        name="activity_signup_withdraw",
    ),
    path("activities/<int:pk>/cancel/", activities.activity_cancel, name="activity_cancel"),
    path("activities/<int:pk>/code/", activities.activity_code, name="activity_code"),
    path(
        "activities/<int:pk>/code/live/", activities.activity_code_live, name="activity_code_live"
    ),
    path(
        "activities/<int:pk>/checkin/<str:code>/",
        activities.activity_checkin,
        name="activity_checkin",
    ),
    path("activities/<int:pk>/list/", activities.activity_checklist, name="activity_checklist"),
    path(
        "activities/<int:pk>/attendance/",
        activities.activity_attendance,
        name="activity_attendance",
    ),
    # Honour selections (荣誉评选): engagement/views/honours.py
    path("honours/", honours.selection_list, name="honours"),
    path("honours/new/", honours.selection_new, name="selection_new"),
    path("honours/types/", honours.honour_types, name="honour_types"),
    path("honours/<int:pk>/", honours.selection_detail, name="selection"),
    path("honours/<int:pk>/step/", honours.selection_step, name="selection_step"),
    path("honours/<int:pk>/nominate/", honours.nominate, name="nominate"),
    path("honours/<int:pk>/vote/", honours.vote, name="vote"),
    path("honours/nominations/<int:pk>/check/", honours.nomination_check, name="nomination_check"),
    path("honours/nominations/<int:pk>/object/", honours.objection_raise, name="objection_raise"),
    path("honours/photos/<int:pk>/", honours.nomination_photo, name="nomination_photo"),
    path("honours/objections/<int:pk>/answer/", honours.objection_answer, name="objection_answer"),
    path("honours/awarded/<int:pk>/withdraw/", honours.honour_withdraw, name="honour_withdraw"),
    path(
        "honours/awarded/<int:pk>/certificate.pdf",
        honours.honour_certificate,
        name="honour_certificate",
    ),
    path("honours/verify/<str:token>/", honours.honour_verify, name="honour_verify"),
    path("honours/roll/<int:village_pk>/", honours.honour_roll, name="honour_roll"),
    path(
        "honours/representatives/<int:village_pk>/",
        honours.representatives,
        name="representatives",
    ),
    path(
        "honours/representatives/end/<int:pk>/",
        honours.representative_end,
        name="representative_end",
    ),
    # --- eg-board: the village board, suggestions, contributions ---------------------
    # engagement/views/board.py, suggestions.py, contributions.py
    path("board/", board.my_board, name="my_board"),
    path("<int:village_id>/board/", board.board, name="board"),
    path("<int:village_id>/board.pdf", board.board_pdf, name="board_pdf"),
    path("<int:village_id>/suggestions/", suggestions.suggestion_list, name="suggestions"),
    path("<int:village_id>/suggestions/new/", suggestions.suggestion_new, name="suggestion_new"),
    path("suggestions/<int:pk>/", suggestions.suggestion_detail, name="suggestion"),
    path("suggestions/<int:pk>/answer/", suggestions.suggestion_answer, name="suggestion_answer"),
    path("suggestions/photos/<int:pk>/", suggestions.suggestion_photo, name="suggestion_photo"),
    path("<int:village_id>/projects/", contributions.project_list, name="projects"),
    path("<int:village_id>/projects/new/", contributions.project_new, name="project_new"),
    path("projects/<int:pk>/", contributions.project_detail, name="project"),
    path(
        "<int:village_id>/contributions/new/",
        contributions.contribution_new,
        name="contribution_new",
    ),
    path(
        "contributions/photos/<int:pk>/",
        contributions.contribution_photo,
        name="contribution_photo",
    ),
    # --- end eg-board ---------------------------------------------------------------
]
