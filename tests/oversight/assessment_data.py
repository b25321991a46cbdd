"""Records laid straight into the tables the assessment reads, for its tests: the
indicators read records, so the tests write them directly (the services that write
them have their own tests)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.utils import timezone

from sanxin.engagement.models import Activity, CheckIn, Suggestion
from sanxin.households.models import Person
from sanxin.ledger.models import Entry, Review
from sanxin.oversight.assessment import services
from sanxin.oversight.models import Indicator
from sanxin.ratings.models import Appeal, AppealDecision, Cycle, GradeRecord
from sanxin.rewards.models import FundingReceipt, FundingSource, Shop
from sanxin.rules.models import SchemeVersion

YEAR = 2025


def moment(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


def final_cycle(village, period: str = str(YEAR), *, notice: bool = True) -> Cycle:
    found = Cycle.objects.filter(village=village, period=period).first()
    if found is not None:
        return found
    return Cycle.objects.create(
        village=village,
        period=period,
        cut_off=date(int(period[:4]), 10, 20),
        state="final",
        notice_starts_on=date(int(period[:4]), 10, 27) if notice else None,
        notice_ends_on=date(int(period[:4]), 11, 2) if notice else None,
        finalised_at=moment(date(int(period[:4]), 11, 3)),
    )


def graded(household, grade: str, period: str = str(YEAR)) -> GradeRecord:
    cycle = final_cycle(household.village, period)
    return GradeRecord.objects.create(
        household=household,
        district_id=household.district_id,
        grade=grade,
        source="cycle",
        cycle=cycle,
        effective_from=cycle.cut_off + timedelta(days=14),
        valid_until=cycle.cut_off + timedelta(days=380),
        recorded_at=moment(cycle.cut_off + timedelta(days=14)),
    )


def entry(household, user, *, recorded: date, reviewed_after_days: int | None) -> Entry:
    version = SchemeVersion.objects.order_by("id").first()
    row = Entry.objects.create(
        household=household,
        district_id=household.district_id,
        scheme_version=version,
        item_code="env.dumping",
        item_name="乱倒垃圾",
        component="base",
        occurred_on=recorded,
        points=Decimal("-2"),
        tier="masses",
        recorded_by=user,
        recorded_at=moment(recorded),
    )
    if reviewed_after_days is not None:
        Review.objects.create(
            entry=row,
            district_id=row.district_id,
            approved=True,
            reviewer=user,
            reviewed_at=moment(recorded + timedelta(days=reviewed_after_days)),
        )
    return row


def appeal(household, user, *, decided: date | None) -> Appeal:
    cycle = final_cycle(household.village)
    row = Appeal.objects.create(
        cycle=cycle,
        household=household,
        kind="grade",
        grade_at_filing="2A",
        reason="不服",
        filed_by=user,
        filed_at=moment(cycle.notice_starts_on + timedelta(days=1)),
    )
    if decided is not None:
        AppealDecision.objects.create(
            appeal=row, upheld=False, reason="维持", decided_by=user, decided_at=moment(decided)
        )
    return row


def check_in(household, user, *, on: date, cancelled: bool = False) -> CheckIn:
    activity = Activity.objects.create(
        village=household.village,
        kind="cleanup",
        title="清洁",
        place="村委会",
        starts_at=moment(on, 8),
        ends_at=moment(on, 11),
        published_by=user,
        published_at=moment(on - timedelta(days=3)),
        cancelled_at=moment(on - timedelta(days=1)) if cancelled else None,
    )
    person = Person.objects.filter(household=household).order_by("id").first()
    return CheckIn.objects.create(
        activity=activity,
        person=person,
        household=household,
        method="list",
        checked_in_by=user,
        checked_in_at=moment(on, 9),
    )


def suggestion(household, user, *, on: date, answered: bool) -> Suggestion:
    return Suggestion.objects.create(
        village=household.village,
        household=household,
        author=user,
        text="修路",
        created_at=moment(on),
        state="adopted" if answered else "submitted",
        reply="好" if answered else "",
        replied_by=user if answered else None,
        replied_at=moment(on + timedelta(days=3)) if answered else None,
    )


def shop(region, villages, user, *, code: str, money_on: date | None) -> Shop:
    s = Shop.objects.create(name=f"{region.name}积分超市", code=code, region=region)
    s.villages.set(villages)
    if money_on is not None:
        source = FundingSource.objects.create(
            region=region, shop=s, kind="village_collective", name=code
        )
        FundingReceipt.objects.create(
            source=source,
            amount=Decimal("5000"),
            received_on=money_on,
            recorded_by=user,
            recorded_at=moment(money_on),
        )
    return s


def scored_scheme(world, *, year: int = YEAR, score: str = "8"):
    """The default scheme of the world's district for `year`, every hand score set."""
    admin = world.users["district_admin"]
    scheme = services.assessment_default_create(actor=admin, district=world.district, year=year)
    for indicator in Indicator.objects.filter(scheme=scheme, kind="manual"):
        for region in (
            world.town_a,
            world.town_b,
            world.village_a1,
            world.village_a2,
            world.village_b1,
        ):
            services.manual_score_set(
                actor=admin, indicator=indicator, region=region, score=score, note="会议记录齐全"
            )
    return scheme
