from django.apps import AppConfig


class LedgerConfig(AppConfig):
    name = "sanxin.ledger"
    verbose_name = "积分台账"

    def ready(self) -> None:
        from sanxin.ledger.jobs import register_kinds

        register_kinds()
