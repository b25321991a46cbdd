from django.apps import AppConfig


class OversightConfig(AppConfig):
    name = "sanxin.oversight"
    verbose_name = "监督与审计"
