from django.urls import path

from sanxin.ratings.views import appeals, certificates, cycles, notice, review, standing

app_name = "ratings"
urlpatterns = [
    path("", cycles.cycle_list, name="list"),
    path("open/", cycles.cycle_open, name="open"),
    path("policy/", cycles.cycle_policy, name="policy"),
    path("compute-district/", cycles.compute_district, name="compute_district"),
    path("<int:pk>/", cycles.cycle_detail, name="cycle"),
    path("<int:pk>/compute/", cycles.cycle_compute, name="compute"),
    path("<int:pk>/advance/", cycles.cycle_advance, name="advance"),
    path("<int:pk>/review/", review.review_list, name="review"),
    path("<int:pk>/households/<int:household>/adjust/", review.adjust, name="adjust"),
    path("<int:pk>/adjustments/", review.adjustment_list, name="adjustments"),
    path("adjustments/<int:pk>/decide/", review.adjustment_decide, name="adjustment_decide"),
    path("<int:pk>/meeting/", review.meeting, name="meeting"),
    path("<int:pk>/signoff/", review.signoff, name="signoff"),
    path("<int:pk>/notice/", notice.notice, name="notice"),
    path("<int:pk>/notice.pdf", notice.notice_pdf, name="notice_pdf"),
    # Appeals (异议)
    path("<int:pk>/appeals/", appeals.appeal_list, name="appeals"),
    path("<int:pk>/households/<int:household>/appeal/", appeals.appeal_file, name="appeal_file"),
    path("appeals/<int:pk>/", appeals.appeal_detail, name="appeal"),
    path("appeals/<int:pk>/decide/", appeals.appeal_decide, name="appeal_decide"),
    path("appeals/photos/<int:pk>/", appeals.appeal_photo, name="appeal_photo"),
    # Grades in force, history, results
    path(
        "households/<int:household>/grades/",
        standing.household_grades,
        name="household_grades",
    ),
    path("villages/<int:village>/results/", standing.village_results, name="village_results"),
    # Certificates (信用等级证书)
    path(
        "households/<int:household>/certificates/",
        certificates.certificate_issue,
        name="certificate_issue",
    ),
    path("certificates/<int:pk>.pdf", certificates.certificate_pdf, name="certificate_pdf"),
    path(
        "villages/<int:village>/certificates/",
        certificates.village_certificates,
        name="village_certificates",
    ),
]
