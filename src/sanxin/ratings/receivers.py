"""Ratings reacting to the ledger: the grade in force follows veto-item entries the
moment they are approved or reversed (ledger/signals.py). Connected in
RatingsConfig.ready."""

from django.dispatch import receiver

from sanxin.ledger.signals import veto_item_changed
from sanxin.ratings.services.standing import standing_refresh


@receiver(veto_item_changed, dispatch_uid="ratings.standing_refresh")
def refresh_on_veto_item(sender, *, household, actor, entry, now, **kwargs):
    standing_refresh(household=household, actor=actor, entry=entry, now=now)
