"""The points supermarket reacting to the layers below: wallets are credited when the
ledger approves entries (ledger/signals.py `entries_approved`) and when a cycle
becomes final (ratings/signals.py `cycle_final`, the grade allowance). Both run
inside the sender's transaction. Connected in RewardsConfig.ready."""

from django.dispatch import receiver

from sanxin.ledger.signals import entries_approved
from sanxin.ratings.signals import cycle_final
from sanxin.rewards.services.wallets import allowances_credit, wallet_sync


@receiver(entries_approved, dispatch_uid="rewards.wallet_sync")
def credit_approved_entries(sender, *, entry_ids, household_ids, actor, now, **kwargs):
    wallet_sync(household_ids=household_ids, entry_ids=entry_ids, now=now)


@receiver(cycle_final, dispatch_uid="rewards.allowances_credit")
def credit_grade_allowance(sender, *, cycle, actor, today, now, **kwargs):
    allowances_credit(cycle=cycle, actor=actor, today=today, now=now)
