from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "sanxin.ratings"
    verbose_name = "评定周期"

    def ready(self):
        from sanxin.ratings import receivers  # noqa: F401  (connects the ledger's signals)
        from sanxin.ratings.jobs import register_kinds

        register_kinds()
