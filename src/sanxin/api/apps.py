from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "sanxin.api"
    label = "api"
    verbose_name = "开放接口"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from sanxin.api.rates import prune
        from sanxin.jobs.heartbeat import register_chore

        register_chore(prune)  # the rate windows of past minutes
