from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "sanxin.credit"
    label = "credit"
    verbose_name = "信用社评定"
