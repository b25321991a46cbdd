from django.apps import AppConfig


class RatingsConfig(AppConfig):
    name = "sanxin.ratings"
    verbose_name = "评定周期"
