from django.urls import path

from sanxin.jobs import views

app_name = "jobs"
urlpatterns = [
    path("<int:pk>/", views.job_detail, name="detail"),
    path("<int:pk>/progress/", views.job_progress, name="progress"),
    path("<int:pk>/retry/", views.job_retry, name="retry"),
    path("<int:pk>/file/", views.job_file, name="file"),
]
