from django.apps import AppConfig


class JobsConfig(AppConfig):
    name = "sanxin.jobs"
    verbose_name = "后台任务"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from sanxin.accounts.rates import prune
        from sanxin.jobs.heartbeat import register_chore

        register_chore(prune)  # the rate limits' windows of past minutes (accounts)
