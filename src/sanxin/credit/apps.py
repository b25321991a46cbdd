from django.apps import AppConfig


class CreditConfig(AppConfig):
    name = "sanxin.credit"
    label = "credit"
    verbose_name = "信用社评定"

    def ready(self) -> None:
        from sanxin.credit.jobs import register_kinds

        register_kinds()
