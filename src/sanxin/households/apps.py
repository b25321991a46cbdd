from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "sanxin.households"
    verbose_name = "农户与人员"

    def ready(self) -> None:
        from sanxin.households.jobs import register_kinds

        register_kinds()
