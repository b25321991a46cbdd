from django.apps import AppConfig


class EngagementConfig(AppConfig):
    name = "sanxin.engagement"
    label = "engagement"
    verbose_name = "全民争信"
