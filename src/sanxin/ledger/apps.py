from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "sanxin.ledger"
    verbose_name = "积分台账"
