from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "sanxin.web"
    label = "web"
    verbose_name = "站点"
