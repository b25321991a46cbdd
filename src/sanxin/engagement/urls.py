from django.urls import path

from sanxin.engagement.views import honours

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
]
