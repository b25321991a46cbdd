from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "sanxin.oversight"
    verbose_name = "监督与审计"

    def ready(self):
        from sanxin.oversight.jobs import register_kinds

        register_kinds()
