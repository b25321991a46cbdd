"""What the ledger tells the layers above it, without knowing them.

`veto_item_changed` is sent right after the change (inside the caller's transaction when
there is one, as standing_refresh was called before) when an approved
entry of a veto item (or the reversal of one) starts or stops capping a household's
grade. The ratings app, which owns the grade in force, connects `standing_refresh`
to it (ratings/receivers.py) so the grade reacts at once (动态调整).
Arguments: household, actor, entry (the approved veto-item entry, None
for a reversal), now.

`entries_approved` is sent once per approving action, inside its transaction, right
after the reviews are written, by every path that approves entries: `entry_review`
(one entry), `entries_review_bulk` (all of them at once), `entry_reverse_on_appeal`
(the reversal, approved at once). An approved reversal is an entry too (its
`reversal_of` names the original). The rewards app credits wallets from it
(rewards/receivers.py). Set-based writers that insert reviews without the services
(the demo's ledger year) do not send it; they call the receiver's service
(`rewards.services.wallets.wallet_sync`) themselves.
Arguments: entry_ids (list of the approved entries' ids), household_ids (set of
their households' ids), actor, now."""

from django.dispatch import Signal

veto_item_changed = Signal()
entries_approved = Signal()
