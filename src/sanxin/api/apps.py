from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sanxin.api"
    label = "api"
    verbose_name = "开放接口"
    default_auto_field = "django.db.models.BigAutoField"
