from django.apps import AppConfig


class LendingConfig(AppConfig):
    name = "sanxin.lending"
    label = "lending"
    verbose_name = "授信用信"
