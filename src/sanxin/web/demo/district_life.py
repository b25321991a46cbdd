"""After the district villages' cycles are final: their points supermarkets, credit
lines and loans, honours, activities, suggestions and candidates, each village as
much as its quality says (see `district.VillageProfile`), through the services, with
the story's dates between the village's final and the build's `today`."""

from __future__ import annotations

import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.utils import timezone

from sanxin.accounts.choices import Role
from sanxin.accounts.models import RoleAssignment, User
from sanxin.engagement.choices import ActivityKind, SuggestionState
from sanxin.households.choices import HouseholdStatus
from sanxin.households.models import Household, Person
from sanxin.ledger.models import Entry
from sanxin.ledger.services import entries_review_bulk
from sanxin.ratings.standing import grades_in_force
from sanxin.rules.choices import grade_rank
from sanxin.web.demo.calendar import Calendar, at
from sanxin.web.demo.engagement import NOTED_REPLIES, SUGGESTIONS, TOPICS
from sanxin.web.demo.shop import PRODUCTS, SUPPLIERS, _basket

if TYPE_CHECKING:
    from sanxin.web.demo.district import BuiltVillage, DistrictSummary

_ACTIVITIES = (
    (ActivityKind.CLEANUP, "冬季村庄清洁行动", "村委会门口集合", "public.labour"),
    (
        ActivityKind.MEETING,
        "村民学习会：村规民约和积分办法",
        "村委会议室",
        "affairs.meeting_on_time",
    ),
    (ActivityKind.TRAINING, "防范电信诈骗培训", "新时代文明实践站", "affairs.training"),
    (ActivityKind.VOLUNTEER, "走访慰问孤寡老人", "村老年活动中心", "public.volunteer"),
)
_COURTYARD_REASONS = ("院内整洁，花草成荫", "房前屋后干净整齐", "庭院绿化美化，垃圾分类到位")
_MODEL_REASONS = ("孝老爱亲，照顾患病老人多年", "热心公益，常年义务清扫村道")


def build_life(
    cal: Calendar, built: list[BuiltVillage], summary: DistrictSummary, *, today: date | None
) -> None:
    from sanxin.lending.models import CreditPolicy

    today = today or timezone.localdate()
    has_policy = CreditPolicy.objects.exists()
    for b in built:
        rng = random.Random(b.profile.seed + 1)
        final_on = cal.as_of + timedelta(days=b.profile.final_day)
        last = today - timedelta(days=1)
        if b.profile.has_shop:
            _shop(cal, b, final_on, rng, summary)
        if has_policy:
            _lending(cal, b, final_on, today, rng, summary)
        _engagement(cal, b, final_on, last, rng, summary)


class _Approver:
    """Approves pending entries as the review would: a committee member who did not
    record them and is not of their household."""

    def __init__(self, committee: list[User]):
        self.committee = committee
        self.homes = {u.pk: getattr(u.person, "household_id", None) for u in committee}

    def approve(self, entries: list[Entry]) -> None:
        groups: dict[int, list[Entry]] = defaultdict(list)
        by_pk = {u.pk: u for u in self.committee}
        for e in entries:
            reviewer = next(
                (u for u in self.committee
                 if u.pk != e.recorded_by_id and self.homes[u.pk] != e.household_id),
                None,
            )  # fmt: skip
            if reviewer is not None:
                groups[reviewer.pk].append(e)
        for pk, group in groups.items():
            entries_review_bulk(actor=by_pk[pk], entries=group, approve=True)


# --- the points supermarket -------------------------------------------------------------


def _shop(
    cal: Calendar, b: BuiltVillage, final_on: date, rng: random.Random, summary: DistrictSummary
) -> None:
    from sanxin.rewards.models import Product, Wallet
    from sanxin.rewards.services import funding, shops, stock
    from sanxin.rewards.services.redemptions import Line, redemption_create
    from sanxin.rewards.services.wallets import wallet_sync
    from sanxin.web.demo.district import _login

    village, head = b.region, b.head
    clerk = _login(f"{village.code}-cs", f"{village.name}超市", Role.SHOP_CLERK, village, summary)
    shop = shops.shop_create(
        actor=head, region=village, name=f"{village.name}积分超市", code=f"S{village.code[-6:]}",
        villages=[village], address=f"{village.name}村委会",
    )  # fmt: skip
    summary.shops += 1
    money = Decimal(2000 + 100 * b.profile.households)
    source = funding.funding_source_create(
        actor=head, shop=shop, kind="district_fund", name="区级积分超市专项资金"
    )
    received = cal.d(2025, 9, 1)
    funding.funding_receive(
        actor=head, source=source, amount=money, received_on=received, note="区财政拨付",
        at=at(received, 60),
    )  # fmt: skip
    chosen = [p for p in PRODUCTS if not p.min_grade][:8]
    bought_on = cal.d(2025, 10, 10)
    spent = Decimal(0)
    for i, p in enumerate(chosen):
        limit_quantity, limit_period = p.limit if p.limit else (None, "")
        product = shops.product_create(
            actor=head, shop=shop, name=p.name, unit=p.unit, price_points=Decimal(p.price),
            min_grade=p.min_grade, limit_quantity=limit_quantity, limit_period=limit_period,
            sort_order=i + 1,
        )  # fmt: skip
        quantity = max(6, p.stock * b.profile.households // 300 * 2)
        cost = Decimal(p.cost) * quantity
        if spent + cost > money:
            continue
        spent += cost
        stock.stock_receive(
            actor=clerk, product=product, quantity=quantity, unit_cost=Decimal(p.cost),
            supplier=SUPPLIERS[i % 2], funding_source=source, received_on=bought_on,
            at=at(bought_on, 120 + i),
        )  # fmt: skip
    households = {
        h.pk: h
        for h in Household.objects.filter(village=village).select_related(
            "village", "villager_group"
        )
    }
    wallet_sync(household_ids=list(households), now=at(final_on, 60))
    records = grades_in_force(list(households))
    eligible = sorted(
        (h for h, r in records.items() if grade_rank(r.grade) >= grade_rank("3A")),
        key=lambda h: households[h].number,
    )
    coming = [h for h in eligible if rng.random() < 0.2 + 0.45 * b.profile.quality]
    balances = dict(
        Wallet.objects.filter(household_id__in=coming).values_list("household_id", "balance")
    )
    heads = {
        p.household_id: p
        for p in Person.objects.filter(household_id__in=coming, is_head=True, active=True)
    }
    products = list(Product.objects.filter(shop=shop).order_by("sort_order"))
    left = {p.pk: p.stock_quantity for p in products}
    for i, household_id in enumerate(coming):
        grade = records[household_id].grade
        basket = _basket(rng, products, left, grade, Decimal(balances.get(household_id, 0)))
        if not basket or household_id not in heads:
            continue
        day = final_on + timedelta(days=1 + i % 3)
        redemption_create(
            actor=clerk, shop=shop, household=households[household_id],
            lines=[Line(product=p, quantity=q) for p, q in basket], collected_by=heads[household_id],
            idempotency_key=f"demo-{village.code}-{household_id}", occurred_at=at(day, 30 + (i * 11) % 480),
        )  # fmt: skip
        for p, q in basket:
            left[p.pk] -= q
        summary.redemptions += 1


# --- credit lines and loans -------------------------------------------------------------


def _money(value: Decimal) -> Decimal:
    """Rounded to whole 10,000 yuan, at least 10,000."""
    tens = (value / 10000).quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return max(tens, Decimal(1)) * 10000


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=timezone.get_default_timezone()) + (
        timedelta(hours=hour, minutes=minute)
    )


def _lending(
    cal: Calendar,
    b: BuiltVillage,
    final_on: date,
    today: date,
    rng: random.Random,
    summary: DistrictSummary,
) -> None:
    from sanxin.lending.models import CreditLine
    from sanxin.lending.services.lines import credit_lines_grant_village
    from sanxin.lending.services.loans import loan_apply, loan_decide, loan_disburse
    from sanxin.lending.services.repayments import overdue_refresh, repayment_record

    officer = b.officer
    grant_on = final_on + timedelta(days=2)
    outcome = credit_lines_grant_village(
        actor=officer, village=b.region, today=grant_on, now=_at(grant_on, 10)
    )
    summary.lines += len(outcome.granted)
    lines = sorted(
        CreditLine.objects.filter(pk__in=[ln.pk for ln in outcome.granted])
        .filter(grade__in=["3A", "4A", "5A"])
        .select_related("household__village", "household__villager_group"),
        key=lambda ln: (ln.household.number, ln.pk),
    )
    borrowers = [ln for ln in lines if rng.random() < b.profile.loan_share]
    first, last = grant_on + timedelta(days=1), today - timedelta(days=1)
    if not borrowers or last < first:
        return
    span = (last - first).days
    terms = ((12, "interest_monthly"), (24, "equal_instalments"), (12, "equal_instalments"))
    for n, line in enumerate(borrowers):
        day = first + timedelta(days=span * n // len(borrowers))
        amount = min(_money(line.granted_amount * Decimal(rng.choice(("0.5", "0.8", "1")))),
                     line.granted_amount)  # fmt: skip
        term, method = terms[n % len(terms)]
        purpose, detail = rng.choice(
            (("industry", "扩建蔬菜大棚"), ("industry", "购买肉牛"), ("business", "开办农资店"),
             ("industry", "果园改造"), ("education", "子女上大学学费"))
        )  # fmt: skip
        application = loan_apply(
            actor=officer, household=line.household, amount=amount, purpose=purpose,
            term_months=term, method=method, purpose_detail=detail, now=_at(day, 9, 10),
        )  # fmt: skip
        application = loan_decide(
            actor=officer, application=application, grant=True, now=_at(day, 10, 30)
        )
        loan = loan_disburse(
            actor=officer, application=application, disbursed_on=day,
            bank_loan_number=f"SL{b.region.code[-6:]}{day:%Y%m%d}{n + 1:02d}", now=_at(day, 15),
        )  # fmt: skip
        summary.loans += 1
        summary.loans_total += loan.principal
        # In the weaker villages the first loan is not repaid (overdue).
        if n == 0 and b.profile.quality < 0.45:
            continue
        for i in loan.instalments.filter(due_on__lt=today).order_by("number"):
            for part, value in (("X", i.interest), ("B", i.principal)):
                if value <= 0:
                    continue
                repayment_record(
                    actor=officer, loan=loan, paid_on=i.due_on, amount=value,
                    bank_reference=f"{loan.bank_loan_number}-{i.number:03d}{part}", now=_at(i.due_on, 16),
                )  # fmt: skip
                summary.repayments += 1
    overdue_refresh(today=today)


# --- honours, activities, suggestions, candidates ---------------------------------------


def _engagement(
    cal: Calendar,
    b: BuiltVillage,
    final_on: date,
    last: date,
    rng: random.Random,
    summary: DistrictSummary,
) -> None:
    from sanxin.engagement.services import honours

    head, q = b.head, b.profile.quality
    approver = _Approver(b.committee)
    voters = []
    for user in b.committee:
        if user.person is not None:
            honours.representative_add(
                actor=head, person=user.person, since=final_on - timedelta(days=60)
            )
            voters.append(user)
    entries: list[Entry] = []
    if q >= 0.35 and len(voters) >= 2:
        entries += _honours(b, final_on, voters, rng, summary)
    start = final_on + timedelta(days=1)
    pending_activities = _activities(b, start, last, rng, summary)
    entries += _suggestions(b, start, last, rng, summary)
    if q >= 0.4:
        entries += pending_activities  # the weaker villages leave them waiting for review
    approver.approve([e for e in entries if e is not None])
    if q >= 0.6:
        _candidate(b, final_on, summary)


def _honours(
    b: BuiltVillage, final_on: date, voters: list[User], rng: random.Random, summary
) -> list[Entry]:
    from sanxin.engagement.services import honours
    from sanxin.ratings.standing import with_grade_in_force
    from sanxin.rules.choices import Grade

    district = b.region.parent.parent
    types = {t.name: t for t in honours.honour_types_install_default(district=district)}
    nominate_on = final_on + timedelta(days=1)
    award_on = nominate_on + timedelta(days=4)
    homes = {u.person.household_id for u in voters if u.person is not None}
    want = max(2, round(b.profile.households * (0.02 + 0.08 * b.profile.quality)))
    candidates = (
        with_grade_in_force(
            Household.objects.filter(village=b.region, status=HouseholdStatus.ACTIVE)
        )
        .filter(grade_in_force__in=[Grade.A5, Grade.A4, Grade.A3])
        .exclude(pk__in=homes)
        .select_related("village", "villager_group")
        .order_by("-grade_in_force", "number")
    )
    courtyards = []
    for household in candidates[: want * 2]:
        problems = honours.eligibility_problems(
            types["美丽庭院"], household, None, year=nominate_on.year, today=nominate_on
        )
        if not problems:
            courtyards.append(household)
            if len(courtyards) == want:
                break
    entries: list[Entry] = []
    models = courtyards[-1:] if b.profile.quality >= 0.7 else []
    for name, nominees in (
        ("美丽庭院", [(h, None, rng.choice(_COURTYARD_REASONS)) for h in courtyards]),
        ("道德模范", [(h, h.members.filter(active=True, is_head=True).first(), r)
                      for h, r in zip(models, _MODEL_REASONS, strict=False)]),
    ):  # fmt: skip
        if not nominees:
            continue
        selection = honours.selection_finished(
            committee=b.head, honour_type=types[name], region=b.region, year=award_on.year,
            nominees=nominees, voters=voters, votes_for=list(range(len(nominees))), awarded_on=award_on,
        )  # fmt: skip
        awarded = list(selection.honours.select_related("entry"))
        entries += [h.entry for h in awarded if h.entry is not None]
        summary.honours += len(awarded)
    return entries


def _days(start: date, last: date, count: int) -> list[date]:
    span = max((last - start).days, 0)
    return [start + timedelta(days=span * i // max(count - 1, 1)) for i in range(count)]


def _activities(
    b: BuiltVillage, start: date, last: date, rng: random.Random, summary
) -> list[Entry]:
    from sanxin.engagement.services import activities

    count = 1 + round(2 * b.profile.quality)
    people = list(
        Person.objects.filter(household__village=b.region, active=True).order_by(
            "household__number", "pk"
        )
    )
    entries: list[Entry] = []
    for i, ((kind, title, place, item), day) in enumerate(
        zip(_ACTIVITIES, _days(start, last, count), strict=False)
    ):
        starts = at(day, 30 + (i % 2) * 300)
        activity = activities.activity_publish(
            actor=b.head, village=b.region, kind=kind, title=title, place=place, starts_at=starts,
            ends_at=starts + timedelta(hours=2), item_code=item, now=starts - timedelta(days=3),
        )  # fmt: skip
        summary.activities += 1
        attendees = rng.sample(people, min(len(people), b.profile.attendance))
        activities.checkin_by_list(
            actor=b.head, activity=activity, people=attendees, now=starts + timedelta(minutes=10)
        )
        summary.checkins += len(attendees)
        done = activities.attendance_record(actor=b.head, activity=activity, today=day)
        entries += done.entries
    return entries


def _villager(household: Household) -> User:
    """The household head's own login (no usable password), as a villager would have."""
    head = household.members.filter(is_head=True, user__isnull=True).first()
    user, created = User.objects.get_or_create(
        username=f"hu-{household.village.code}-{household.number}",
        defaults={"display_name": household.head_name, "person": head},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
        RoleAssignment.objects.create(user=user, role=Role.VILLAGER, household=household)
    return user


def _suggestions(
    b: BuiltVillage, start: date, last: date, rng: random.Random, summary
) -> list[Entry]:
    from sanxin.engagement.services import suggestions

    q = b.profile.quality
    homes = {getattr(u.person, "household_id", None) for u in b.committee}
    households = [
        h
        for h in Household.objects.filter(village=b.region, status=HouseholdStatus.ACTIVE)
        .select_related("village", "villager_group")
        .order_by("number")
        if h.pk not in homes
    ]
    count = 1 + round(4 * q)
    authors = rng.sample(households, min(count, len(households)))
    entries: list[Entry] = []
    for i, (household, day) in enumerate(
        zip(authors, _days(start, last, len(authors)), strict=True)
    ):
        text, state, reply = rng.choice(SUGGESTIONS)
        if rng.random() < 0.5:
            text, state, reply = rng.choice(TOPICS), SuggestionState.NOTED, NOTED_REPLIES[i % 2]
        suggestion = suggestions.suggestion_submit(
            actor=_villager(household), household=household, text=text, show_name=i % 2 == 0,
            now=at(day, 60 + i),
        )  # fmt: skip
        summary.suggestions += 1
        if rng.random() >= 0.3 + 0.7 * q:
            continue  # not answered yet
        answerer = next(
            u for u in b.committee if getattr(u.person, "household_id", None) != household.pk
        )
        answered = suggestions.suggestion_answer(
            actor=answerer, suggestion=suggestion, state=state, reply=reply, now=at(day, 480 + i)
        )
        if answered.entry is not None:
            entries.append(answered.entry)
    return entries


def _candidate(b: BuiltVillage, final_on: date, summary) -> None:
    """One villager nominated from the suggestions; confirmed by the town in the
    better villages."""
    from sanxin.rewards import candidates_selectors as selectors
    from sanxin.rewards.models import CandidateCriteria
    from sanxin.rewards.services import candidates as services

    if not CandidateCriteria.objects.filter(district=b.region.parent.parent).exists():
        return
    day = final_on + timedelta(days=2)
    found = selectors.suggestions(b.region, day)
    homes = {getattr(u.person, "household_id", None) for u in b.committee}
    choice = next((s for s in (*found.party, *found.cadre) if s.household.pk not in homes), None)
    if choice is None:
        return
    candidate = services.candidate_nominate(
        actor=b.head, person=choice.person, kind=choice.kind, from_suggestion=True, today=day,
        reason="家庭守信，热心村务，积极参加志愿服务", now=_at(day, 10),
    )  # fmt: skip
    summary.candidates += 1
    if b.profile.quality >= 0.7:
        services.candidate_confirm(
            actor=b.town_admin, candidate=candidate, reason="经镇党委审查，同意",
            now=_at(day + timedelta(days=1), 15),
        )  # fmt: skip
