"""What the shop counter (收银台) reads: the clerk's shops, the households they serve
and how to find one, a redemption's receipt, today's redemptions, the balance right
after a redemption. The writes are rw-core's services (`rewards.services`); the
views are `rewards/views/counter.py`.

What the clerk is shown of a household follows `accounts.scope.FIELDS` for the shop
clerk (户号, head, village; the grade in force) with the head's name masked as on
the public notice; the members who may collect are shown by masked name only (the
clerk does not see the members' names: `Field.MEMBERS`)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from decimal import Decimal

from django.db.models import Count, Q, QuerySet, Sum
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm, Scope
from sanxin.households.models import Household, Person
from sanxin.ratings.notice import mask_name
from sanxin.rewards.choices import RedemptionSource, WalletKind
from sanxin.rewards.models import Redemption, Shop, WalletEntry
from sanxin.rewards.receipts import ReceiptDoc, ReceiptLine

SEARCH_LIMIT = 20


# --- the clerk's shops and households ----------------------------------------------


def clerk_shops(scope: Scope) -> QuerySet[Shop]:
    """The open shops where the user serves at the counter (their region's)."""
    return (
        scope.filter(Shop.objects, Perm.SHOP_REDEEM)
        .filter(active=True)
        .select_related("region")
        .prefetch_related("villages")
        .order_by("region__path", "name")
    )


def served_households(scope: Scope, shops: Iterable[Shop]) -> QuerySet[Household]:
    """The households in the user's reach that one of `shops` serves."""
    village_ids = {v.pk for shop in shops for v in shop.villages.all()}
    return scope.households(Perm.SHOP_REDEEM).filter(village_id__in=village_ids)


def serving_shops(scope: Scope, household: Household) -> list[Shop]:
    """The user's open counter shops that serve `household`'s village, the village's
    own first. One query."""
    shops = (
        scope.filter(Shop.objects, Perm.SHOP_REDEEM)
        .filter(active=True, villages=household.village_id)
        .select_related("region")
        .order_by("name")
    )
    return sorted(shops, key=lambda s: s.region_id != household.village_id)


def find_households(households: QuerySet[Household], query: str) -> list[Household]:
    """Households found by 户号 (exactly or its beginning) or by the head's name typed
    in full or as masked on the notice (张*峰); a part of a name finds nothing, so the
    search cannot unmask a name letter by letter (as the notice search)."""
    query = "".join(query.split())
    if not query:
        return []
    condition = Q(number__startswith=query) | Q(head_name=query)
    if _is_masked(query):
        masked = Q(head_name__startswith=query[0], head_len=len(query))
        if len(query) > 2:
            masked &= Q(head_name__endswith=query[-1])
        condition |= masked
    found = (
        households.annotate(head_len=Length("head_name"))
        .filter(condition)
        .select_related("village")
        .order_by("village__path", "number")[:SEARCH_LIMIT]
    )
    return list(found)


def _is_masked(query: str) -> bool:
    """Whether `query` has the shape of a masked name: 张*, 张*峰, 欧**明."""
    if len(query) == 2:
        return query[1] == "*" and query[0] != "*"
    return len(query) > 2 and set(query[1:-1]) == {"*"} and "*" not in (query[0], query[-1])


def masked_head(household: Household) -> str:
    return mask_name(household.head_name)


def collectors(household: Household) -> list[Person]:
    """The household's members present (在户), the head first: who may collect (shown
    by `collector_label`)."""
    return list(Person.objects.filter(household=household, active=True).order_by("-is_head", "id"))


def collector_label(person: Person) -> str:
    name = mask_name(person.name)
    return _("%(name)s（户主）") % {"name": name} if person.is_head else name


# --- receipts -------------------------------------------------------------------------


def redemptions_for_receipt(queryset: QuerySet[Redemption]) -> QuerySet[Redemption]:
    """What a receipt shows, fetched with the redemption (two queries with its lines)."""
    return queryset.select_related(
        "shop", "household__village", "household__villager_group", "clerk", "collected_by", "void"
    ).prefetch_related("lines__product")


def balance_after(redemption: Redemption) -> Decimal:
    """The household's balance right after this redemption was recorded: the sum of
    its wallet rows up to the redemption's own (in the order they were written, so a
    paper slip entered later shows the balance it really left). One query."""
    row = WalletEntry.objects.filter(redemption=redemption, kind=WalletKind.REDEMPTION).values("pk")
    total = WalletEntry.objects.filter(
        household_id=redemption.household_id, pk__lte=row[:1]
    ).aggregate(total=Sum("points"))["total"]
    return (total or Decimal(0)).quantize(Decimal("0.01"))


def is_voided(redemption: Redemption) -> bool:
    try:
        return redemption.void is not None
    except Redemption.void.RelatedObjectDoesNotExist:
        return False


def receipt_doc(redemption: Redemption, *, url: str = "") -> ReceiptDoc:
    """The receipt of `redemption` (fetched with `redemptions_for_receipt`), for the
    page, the villager's phone and the two PDFs."""
    household = redemption.household
    lines = [
        ReceiptLine(
            name=line.product.name,
            unit=line.product.unit,
            quantity=line.quantity,
            unit_points=line.price_points,
            points=line.points,
        )
        for line in sorted(redemption.lines.all(), key=lambda line: line.pk)
    ]
    note = ""
    if redemption.source == RedemptionSource.PAPER:
        note = _("纸质单据补录，单据号 %(n)s") % {"n": redemption.slip_number}
    return ReceiptDoc(
        shop_name=redemption.shop.name,
        number=redemption.number,
        occurred_at=redemption.occurred_at,
        head_name_masked=masked_head(household),
        household_number=household.number,
        village_name=household.village.name,
        lines=lines,
        total=redemption.total_points,
        balance_after=balance_after(redemption),
        clerk=str(redemption.clerk),
        collected_by=collector_label(redemption.collected_by),
        status=_("已作废") if is_voided(redemption) else "",
        note=note,
        url=url,
    )


# --- today's redemptions ----------------------------------------------------------------


def day_bounds(day) -> tuple[datetime, datetime]:
    """The start of `day` and of the next, in the site's time zone."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def todays_redemptions(shops: Iterable[Shop], day) -> list[Redemption]:
    """The redemptions of `shops` recorded on `day` (paper slips entered that day
    included, with their own earlier times), latest first, with what the list shows
    (household, item count, void). One query."""
    start, end = day_bounds(day)
    return list(
        Redemption.objects.filter(shop__in=list(shops), created_at__gte=start, created_at__lt=end)
        .select_related("household__village", "void", "shop")
        .annotate(item_count=Sum("lines__quantity"), line_count=Count("lines"))
        .order_by("-created_at", "-id")
    )


def reversing_rows(redemption: Redemption) -> dict:
    """What voiding `redemption` writes (fetched with `redemptions_for_receipt`): the
    points back to the household's wallet and each product's quantity back to stock."""
    lines = sorted(redemption.lines.all(), key=lambda line: line.pk)
    return {
        "points": redemption.total_points,
        "stock": [(line.product.name, line.quantity, line.product.unit) for line in lines],
    }


def collector_named(household: Household, name: str) -> Person | None:
    """The member present (在户) whose name is `name` exactly (the name signed on a
    paper slip); the head when `name` is empty; None when no one, or several, match."""
    members = Person.objects.filter(household=household, active=True)
    name = "".join((name or "").split())
    found = list(members.filter(is_head=True) if not name else members.filter(name=name))
    return found[0] if len(found) == 1 else None
