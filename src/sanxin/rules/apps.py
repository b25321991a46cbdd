from django.apps import AppConfig


class RulesConfig(AppConfig):
    name = "sanxin.rules"
    verbose_name = "评分方案"
