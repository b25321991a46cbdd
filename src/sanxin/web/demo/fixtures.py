"""The numbers the demo is shaped by: its seed, its size and the pilot's year
(grades, vetoes, review queue), and the logins its stories act through."""

from __future__ import annotations

SEED = 20210824
PILOT_HOUSEHOLDS = 300
NEIGHBOUR_HOUSEHOLDS = 20
# Ages are counted from this year, so the people stay the same whatever today is.
REFERENCE_YEAR = 2025
ID_REGION = "130803"

# The pilot's year at 300 households: 3A 75, 4A 26, 5A 29; the rest (2A, A) inferred.
PILOT_SHAPE: tuple[tuple[str, int], ...] = (
    ("5A", 29),
    ("4A", 26),
    ("3A", 75),
    ("2A", 110),
    ("A", 57),
)
PILOT_VETOES = 3  # households under a veto (一票否决), graded A at most
PENDING_ENTRIES = 20  # left for the review queue (at 300 households)
PILOT_REVERSALS = 5
REJECT_RATE = 0.025
VETO = "veto"

COMMITTEE_LOGINS = ("tuanzhang", "futuanzhang", "chengyuan1", "chengyuan2", "chengyuan3")
PARTY_RECORDERS = ("chengyuan1", "chengyuan2", "chengyuan3", "tuanzhang")
CREDIT_LOGIN = "xinyongshe"
