"""What the ledger tells the layers above it, without knowing them.

`veto_item_changed` is sent right after the change (inside the caller's transaction when
there is one, as standing_refresh was called before) when an approved
entry of a veto item (or the reversal of one) starts or stops capping a household's
grade. The ratings app, which owns the grade in force, connects `standing_refresh`
to it (ratings/receivers.py) so the grade reacts at once (动态调整).
Arguments: household, actor, entry (the approved veto-item entry, None
for a reversal), now."""

from django.dispatch import Signal

veto_item_changed = Signal()
