from django.urls import path

from sanxin.ratings import (
    appeal_views,
    certificate_views,
    notice_views,
    review_views,
    standing_views,
    views,
)

app_name = "ratings"
urlpatterns = [
    path("", views.cycle_list, name="list"),
    path("open/", views.cycle_open, name="open"),
    path("policy/", views.cycle_policy, name="policy"),
    path("<int:pk>/", views.cycle_detail, name="cycle"),
    path("<int:pk>/compute/", views.cycle_compute, name="compute"),
    path("<int:pk>/advance/", views.cycle_advance, name="advance"),
    path("<int:pk>/review/", review_views.review_list, name="review"),
    path("<int:pk>/households/<int:household>/adjust/", review_views.adjust, name="adjust"),
    path("<int:pk>/adjustments/", review_views.adjustment_list, name="adjustments"),
    path("adjustments/<int:pk>/decide/", review_views.adjustment_decide, name="adjustment_decide"),
    path("<int:pk>/meeting/", review_views.meeting, name="meeting"),
    path("<int:pk>/signoff/", review_views.signoff, name="signoff"),
    path("<int:pk>/notice/", notice_views.notice, name="notice"),
    path("<int:pk>/notice.pdf", notice_views.notice_pdf, name="notice_pdf"),
    # Appeals (异议)
    path("<int:pk>/appeals/", appeal_views.appeal_list, name="appeals"),
    path(
        "<int:pk>/households/<int:household>/appeal/", appeal_views.appeal_file, name="appeal_file"
    ),
    path("appeals/<int:pk>/", appeal_views.appeal_detail, name="appeal"),
    path("appeals/<int:pk>/decide/", appeal_views.appeal_decide, name="appeal_decide"),
    path("appeals/photos/<int:pk>/", appeal_views.appeal_photo, name="appeal_photo"),
    # Grades in force, history, results
    path(
        "households/<int:household>/grades/",
        standing_views.household_grades,
        name="household_grades",
    ),
    path("villages/<int:village>/results/", standing_views.village_results, name="village_results"),
    # Certificates (信用等级证书)
    path(
        "households/<int:household>/certificates/",
        certificate_views.certificate_issue,
        name="certificate_issue",
    ),
    path("certificates/<int:pk>.pdf", certificate_views.certificate_pdf, name="certificate_pdf"),
    path(
        "villages/<int:village>/certificates/",
        certificate_views.village_certificates,
        name="village_certificates",
    ),
]
