from django.apps import AppConfig


class LendingConfig(AppConfig):
    name = "sanxin.lending"
    label = "lending"
    verbose_name = "授信用信"

    def ready(self):
        from sanxin.lending import receivers  # noqa: F401  (connects ratings' signals)
        from sanxin.lending.jobs import register_kinds

        register_kinds()
