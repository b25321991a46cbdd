from django.apps import AppConfig


class RewardsConfig(AppConfig):
    name = "sanxin.rewards"
    label = "rewards"
    verbose_name = "奖励用信"

    def ready(self):
        from sanxin.rewards import receivers  # noqa: F401  (connects the ledger's and ratings' signals)
        from sanxin.rewards.jobs import register_kinds

        register_kinds()
