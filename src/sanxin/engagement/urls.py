from django.urls import path

from sanxin.engagement.views import board, contributions, honours, suggestions

app_name = "engagement"

urlpatterns = [
    # Honour selections (荣誉评选): engagement/views/honours.py
    path("honours/", honours.selection_list, name="honours"),
    path("honours/new/", honours.selection_new, name="selection_new"),
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
