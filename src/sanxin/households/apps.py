from django.apps import AppConfig


class HouseholdsConfig(AppConfig):
    name = "sanxin.households"
    verbose_name = "农户与人员"
