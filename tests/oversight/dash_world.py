"""A district with several towns and villages and a year of records, for the dashboard
tests. Records are written straight into the tables (the services that write them
have their own tests; the dashboards read records): every household of the extra
villages, and of the world's own, gets grades from two final cycles, entries (approved,
rejected, pending at several ages), appeals, vetoes, redemptions, suggestions,
candidates, check-ins and, for some, a credit line and a loan."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import count

from django.utils import timezone

from sanxin.engagement.models import Activity, CheckIn, Suggestion
from sanxin.households.models import Household, Person
from sanxin.ledger.models import Entry, Review, VetoEvent
from sanxin.ratings.models import Appeal, AppealDecision, Cycle, GradeRecord
from sanxin.rewards.choices import FundingKind, StockKind
from sanxin.rewards.models import (
    Candidate,
    FundingReceipt,
    FundingSource,
    Product,
    Redemption,
    RedemptionVoid,
    Shop,
)
from sanxin.rewards.services.balances import _stock_post
from sanxin.rules.choices import GRADES
from sanxin.rules.models import SchemeVersion
from tests.factories import child
from tests.lending import books

PERIOD_START = date(2026, 1, 1)
PERIOD_END = date(2026, 6, 30)
_seq = count(1)


def at(day: date, hour: int = 10) -> datetime:
    return datetime.combine(day, time(hour), tzinfo=timezone.get_default_timezone())


def add_villages(world, *, towns: int, villages: int, households: int) -> list:
    """`towns` more towns in the world's district, each with `villages` villages of two
    groups and `households` households each."""
    made = []
    for _t in range(towns):
        town = child(world.district, f"测试镇{next(_seq)}", kind="镇")
        for _v in range(villages):
            village = child(town, f"测试村{next(_seq)}", kind="村")
            groups = [child(village, "第一村民小组"), child(village, "第二村民小组")]
            for h in range(households):
                Household.objects.create(
                    village=village,
                    villager_group=groups[h % 2],
                    district_id=world.district.pk,
                    number=f"{h + 1:03d}",
                )
            made.append(village)
    return made


def _person(household) -> Person:
    found = household.members.filter(is_head=True).first()
    if found is not None:
        return found
    n = next(_seq)
    return Person.objects.create(
        household=household,
        name=f"户主{n}",
        id_number_encrypted="-",
        id_number_hash=f"dash-{n}",
        id_last_digits_index="-",
        id_number_masked="130803**********00",
        sex="M",
        relation="户主",
        is_head=True,
    )


def populate(world, users) -> None:
    """A year of records for every household of the district (see the module)."""
    user = users["committee_member"]
    version = SchemeVersion.objects.order_by("pk").first()
    now = timezone.now()
    households = list(
        Household.objects.filter(villager_group__path__startswith=world.district.path)
        .select_related("village")
        .order_by("pk")
    )
    villages = {h.village_id: h.village for h in households}
    cycles = {}
    for vid, village in villages.items():
        cycles[vid] = (
            Cycle.objects.create(
                village=village,
                period="2025",
                cut_off=date(2025, 10, 20),
                state="final",
                finalised_at=at(date(2025, 11, 3)),
            ),
            Cycle.objects.create(
                village=village,
                period="2026",
                cut_off=date(2026, 5, 20),
                state="final",
                finalised_at=at(date(2026, 6, 3)),
            ),
        )
        shop = Shop.objects.create(name=f"超市{vid}", code=f"S{vid}", region=village)
        shop.villages.add(village)
        source = FundingSource.objects.create(
            region=village, shop=shop, kind=FundingKind.VILLAGE_COLLECTIVE, name=f"村集体{vid}"
        )
        FundingReceipt.objects.create(
            source=source,
            amount=Decimal(800 + vid),
            received_on=date(2026, 2, 1),
            recorded_by=user,
            recorded_at=at(date(2026, 2, 1)),
        )
        product = Product.objects.create(shop=shop, name="毛巾", unit="条", price_points=Decimal(5))
        _stock_post(
            product=product,
            kind=StockKind.RECEIPT,
            quantity=10,
            unit_cost=Decimal("3.50"),
            supplier="供销社",
            funding_source=source,
            occurred_on=date(2026, 2, 2),
            recorded_by=user,
        )
        shops = getattr(world, "dash_shops", {})
        shops[vid] = shop
        world.dash_shops = shops
        if vid == world.village_a1.pk:
            activity = Activity.objects.create(
                village=village,
                kind="volunteer",
                title="清扫",
                place="村委会",
                starts_at=at(date(2026, 3, 1), 8),
                ends_at=at(date(2026, 3, 1), 11),
                published_by=user,
                published_at=at(date(2026, 2, 20)),
            )
            world.dash_activity = activity

    for i, h in enumerate(households):
        old_cycle, new_cycle = cycles[h.village_id]
        if i % 5:  # one household in five has no grade yet
            GradeRecord.objects.create(
                household=h,
                district_id=h.district_id,
                grade=GRADES[i % len(GRADES)],
                source="cycle",
                cycle=old_cycle,
                effective_from=date(2025, 11, 3),
                valid_until=date(2026, 11, 2),
                recorded_at=at(date(2025, 11, 3)),
            )
            GradeRecord.objects.create(
                household=h,
                district_id=h.district_id,
                grade=GRADES[(i + i // 3) % len(GRADES)],
                source="cycle",
                cycle=new_cycle,
                effective_from=date(2026, 6, 3),
                valid_until=date(2027, 6, 2),
                recorded_at=at(date(2026, 6, 3)),
            )
        # entries: recorded in the period, reviewed (approved / rejected), pending
        for k in range(i % 4 + 1):
            day = date(2026, 1 + (i + k) % 6, 10)
            e = Entry.objects.create(
                household=h,
                district_id=h.district_id,
                scheme_version=version,
                item_code="env.tidy",
                item_name="环境整洁",
                component="base",
                occurred_on=day,
                points=Decimal(2),
                tier="masses",
                recorded_by=user,
                recorded_at=at(day),
            )
            if k % 3 != 2:
                Review.objects.create(
                    entry=e,
                    district_id=e.district_id,
                    approved=k % 3 == 0,
                    reason="" if k % 3 == 0 else "证据不足",
                    reviewer=users["committee_deputy"],
                    reviewed_at=at(day + timedelta(days=3)),
                )
        for age in (2, 15, 60)[: i % 3 + 1]:
            Entry.objects.create(
                household=h,
                district_id=h.district_id,
                scheme_version=version,
                item_code="env.tidy",
                item_name="环境整洁",
                component="base",
                occurred_on=(now - timedelta(days=age)).date(),
                points=Decimal(2),
                tier="masses",
                recorded_by=user,
                recorded_at=now - timedelta(days=age),
            )
        if i % 3 == 0:
            appeal = Appeal.objects.create(
                cycle=new_cycle,
                household=h,
                kind="grade",
                grade_at_filing="3A",
                reason="不服",
                filed_by=user,
                filed_at=at(date(2026, 5, 25)),
            )
            if i % 2 == 0:
                AppealDecision.objects.create(
                    appeal=appeal,
                    upheld=i % 4 == 0,
                    reason="复核",
                    to_grade="4A" if i % 4 == 0 else "",
                    decided_by=users["committee_deputy"],
                    decided_at=at(date(2026, 5, 25) + timedelta(days=i % 5 + 1), 16),
                )
        if i % 7 == 0:
            veto = VetoEvent.objects.create(
                household=h,
                scheme_version=version,
                rule_code="veto.court",
                name="失信被执行人",
                kind="veto",
                cap_grade="unrated",
                starts_on=date(2026, 4, 1),
                evidence_text="法院名单",
                recorded_by=user,
                recorded_at=at(date(2026, 4, 1)),
            )
            if i % 14 == 0:
                VetoEvent.objects.create(
                    household=h,
                    scheme_version=version,
                    rule_code="veto.court",
                    name="失信被执行人",
                    kind="veto",
                    cap_grade="unrated",
                    starts_on=date(2026, 4, 2),
                    evidence_text="撤销",
                    revokes=veto,
                    recorded_by=user,
                    recorded_at=at(date(2026, 4, 2)),
                )
        person = _person(h) if i % 2 == 0 else None
        if person is not None:
            r = Redemption.objects.create(
                shop=world.dash_shops[h.village_id],
                household=h,
                number=f"R-{h.pk}",
                clerk=user,
                collected_by=person,
                total_points=Decimal(10 + i % 3),
                occurred_at=at(date(2026, 3, 5)),
                idempotency_key=f"dash-{h.pk}",
                fingerprint="f",
                created_at=at(date(2026, 3, 5)),
            )
            if i % 8 == 0:
                RedemptionVoid.objects.create(
                    redemption=r,
                    reason="误操作",
                    requested_by=user,
                    created_at=at(date(2026, 3, 5)),
                )
            Suggestion.objects.create(
                village=h.village,
                household=h,
                person=person,
                author=user,
                text="修路",
                created_at=at(date(2026, 2, 1)),
                replied_at=at(date(2026, 2, 9)) if i % 4 == 0 else None,
                state="adopted" if i % 4 == 0 else "submitted",
            )
            Candidate.objects.create(
                person=person,
                household=h,
                village=h.village,
                kind="party",
                status=("nominated", "accepted", "withdrawn")[i % 3],
                source="manual",
                reason="表现突出",
                grade_at_nomination="4A",
                nominated_by=user,
                nominated_at=at(date(2026, 4, 10)),
                updated_at=at(date(2026, 4, 10)),
            )
            if h.village_id == world.village_a1.pk:
                CheckIn.objects.create(
                    activity=world.dash_activity,
                    person=person,
                    household=h,
                    method="qr",
                    checked_in_by=user,
                    checked_in_at=at(date(2026, 3, 1), 9),
                )
        if i % 6 == 1:
            line = books.line(h, granted_on=date(2026, 2, 1), period="2025")
            loan = books.loan(line, principal="30000", on=date(2026, 2, 10), term=12, rate="4.75")
            books.pay(loan, on=date(2026, 3, 10), amount="2000.00")
