"""What a demo build created, for the command's summary."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from decimal import Decimal

from sanxin.web.demo.calendar import Calendar
from sanxin.web.demo.plan import DemoPlan


@dataclass(frozen=True)
class DemoAppeal:
    """One appeal of the finished demo cycle, for the command's summary."""

    household: str  # 户号
    kind: str  # AppealKind label
    filed_by: str  # username
    on_behalf: bool
    upheld: bool
    decided_by: str
    grade: str  # the household's grade after the answer


@dataclass
class DistrictSummary:
    """What the district part built, for the command's summary and the tests."""

    towns: int = 0
    villages: int = 0
    households: int = 0
    people: int = 0
    users: int = 0
    assessments: int = 0
    entries: int = 0
    reviews: int = 0
    pending: int = 0
    rejected: int = 0
    rated: int = 0  # households with a grade (not unrated) in a final cycle
    appeals: int = 0
    grades: Counter[str] = field(default_factory=Counter)
    final_villages: int = 0
    shops: int = 0
    redemptions: int = 0
    lines: int = 0
    loans: int = 0
    loans_total: Decimal = Decimal("0.00")
    repayments: int = 0
    honours: int = 0
    activities: int = 0
    checkins: int = 0
    suggestions: int = 0
    candidates: int = 0
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def changed(self) -> bool:
        return bool(self.households or self.entries or self.assessments)


@dataclass
class BuildResult:
    regions: int = 0
    households: int = 0
    people: int = 0
    users: int = 0
    assignments: int = 0
    skipped_people: int = 0
    schemes: int = 0
    linked: int = 0  # logins linked to their own Person
    assessments: int = 0
    entries: int = 0
    reviews: int = 0
    pending: int = 0
    rejected: int = 0
    reversals: int = 0
    vetoes: int = 0
    # Provisional grades of 大贵口村 as of the cut-off, when the entries were built now.
    grades: Counter[str] = field(default_factory=Counter)
    # {household id: the grade its year of points aims at}, when the entries were built now.
    targets: dict[int, str] = field(default_factory=dict, repr=False)
    cycles: int = 0  # rating cycles opened
    adjustments: int = 0
    appeals: list[DemoAppeal] = field(default_factory=list)
    certificates: int = 0
    veto_events: int = 0
    # Grades in force from the finished cycle, when it was built now.
    final_grades: Counter[str] = field(default_factory=Counter)
    candidates: int = 0  # party and cadre reserve candidates nominated
    # The district's other towns and villages (district.py).
    district: DistrictSummary = field(default_factory=DistrictSummary)
    plan: DemoPlan | None = field(default=None, repr=False)
    calendar: Calendar = field(default_factory=Calendar.on, repr=False)
    # The superuser's generated password, when this build created the superuser.
    superuser_password: str = field(default="", repr=False)
    seconds: float = 0.0

    @property
    def changed(self) -> bool:
        return any(
            (
                self.regions, self.households, self.people, self.users, self.assignments,
                self.schemes, self.linked, self.assessments, self.entries, self.reviews,
                self.cycles, self.district.changed,
            )
        )  # fmt: skip
