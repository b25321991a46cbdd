from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "sanxin.notifications"
    verbose_name = "站内通知"
