from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "sanxin.rewards"
    label = "rewards"
    verbose_name = "奖励用信"
