"""Contributions (捐资捐物、义务投工): a village's projects, and records of money,
goods or labour days a household gave to a project or a cause, with evidence (text
and photos). Each record earns the scheme's items as a pending ledger entry,
recorded by the committee member who records the contribution and approved by
another in the normal review:

* money: `public.donation` (公益捐款，每100元): one unit per **whole** 100 yuan,
  rounded down (250 元 → 2 units; under 100 元 earns nothing);
* goods: the same item on the goods' value in yuan when the recorder gives it
  (折合金额, stored in `amount`); goods without a value earn no points;
* labour: `public.labour` (参加义务出工，每人次) for the person who worked: one unit per
  **whole** day, rounded down (2.5 days → 2; half a day earns nothing).

An item's annual cap is respected: the units are cut to what the cap still allows
this year (`units_within_cap`), and nothing is recorded once it is reached; the
contribution itself is always recorded, with why it earned what it earned
(`PointsPlan.note`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_DOWN, ROUND_HALF_UP, Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.engagement.choices import ContributionKind, ProjectKind
from sanxin.engagement.models import Contribution, ContributionPhoto, Project
from sanxin.households.models import Household, Person
from sanxin.ledger.choices import Source
from sanxin.ledger.models import Entry
from sanxin.ledger.services import EntryRequest, entry_record, entry_year_total
from sanxin.lib import photos as photo_files
from sanxin.lib.text import clean_line, clean_text
from sanxin.regions.models import Region
from sanxin.rules.selectors import scheme_for_village

if TYPE_CHECKING:
    from sanxin.accounts.models import User

log = logging.getLogger(__name__)

DONATION_ITEM = "public.donation"  # 公益捐款（每100元）, per household
LABOUR_ITEM = "public.labour"  # 参加义务出工、环境整治（每人次）, per person
YUAN_PER_UNIT = Decimal(100)
MAX_PHOTOS = 6
CENT = Decimal("0.01")


def yuan(value: Decimal | int | str) -> Decimal:
    """Money to 分, ROUND_HALF_UP (the one rounding of amounts entered)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def donation_units(amount: Decimal | None) -> int:
    """Units of `public.donation` for an amount: whole hundreds of yuan, rounded down."""
    if not amount or amount <= 0:
        return 0
    return int((amount / YUAN_PER_UNIT).to_integral_value(rounding=ROUND_DOWN))


def labour_units(days: Decimal | None) -> int:
    """Units of `public.labour` for labour days: whole days, rounded down."""
    if not days or days <= 0:
        return 0
    return int(days.to_integral_value(rounding=ROUND_DOWN))


def units_within_cap(units: int, per_unit: Decimal, cap: Decimal | None, used: Decimal) -> int:
    """`units` cut to what an annual cap still allows: the whole units whose points
    fit in `cap - used` (all of them when there is no cap)."""
    if cap is None or per_unit <= 0:
        return units
    left = max(cap - used, Decimal(0))
    return max(0, min(units, int((left / per_unit).to_integral_value(rounding=ROUND_DOWN))))


@dataclass(frozen=True)
class PointsPlan:
    item_code: str  # '' when nothing is earned
    units: int
    person: Person | None
    note: str  # why, in plain words


def points_plan(
    *,
    household: Household,
    kind: str,
    amount: Decimal | None,
    labour_days: Decimal | None,
    person: Person | None,
    on: date,
) -> PointsPlan:
    """What a contribution earns under the scheme in force in the village on `on`."""
    if kind == ContributionKind.LABOUR:
        code, units, unit_words = LABOUR_ITEM, labour_units(labour_days), "整天"
    else:
        code, units, unit_words = DONATION_ITEM, donation_units(amount), "整百元"
    if units == 0:
        why = (
            "捐物未填写折合金额，不计积分"
            if kind == ContributionKind.GOODS and not amount
            else f"不足一个计分单位（按{unit_words}计，不足部分不计）"
        )
        return PointsPlan("", 0, None, why)
    version = scheme_for_village(household.village, on)
    item = version.scheme.find_item(code) if version is not None else None
    if item is None:
        return PointsPlan("", 0, None, f"本村方案中没有积分项“{code}”，不计积分")
    if item.applies_to == "person":
        if person is None or not person.active or person.household_id != household.pk:
            person = household.members.filter(active=True, is_head=True).first()
    else:
        person = None
    used = entry_year_total(household=household, item_code=code, person=person, year=on.year)
    capped = units_within_cap(units, item.points, item.annual_cap, used)
    if capped == 0:
        return PointsPlan("", 0, None, f"“{item.name}”今年已达上限 {item.annual_cap} 分，不再计分")
    note = f"“{item.name}” × {capped}（按{unit_words}计，不足部分不计）"
    if capped < units:
        note += f"；受每年 {item.annual_cap} 分上限所限，{units} 个单位中计 {capped} 个"
    return PointsPlan(code, capped, person, note)


def _check_manage(actor: User | None, region: Region) -> None:
    if not scope_for(actor).covers_region(region, Perm.ENGAGE_MANAGE):
        raise PermissionDenied("无权管理该村的项目和捐赠")


@transaction.atomic
def project_create(
    *,
    actor: User,
    village: Region,
    name: str,
    kind: str,
    description: str = "",
    target_amount: Decimal | None = None,
    now: datetime | None = None,
) -> Project:
    """A village project households can contribute to (外墙保温, 道路硬化 …)."""
    _check_manage(actor, village)
    if kind not in ProjectKind.values:
        raise ValidationError({"kind": ["请选择项目类型"]})
    project = Project(
        village=village,
        name=clean_line(name, "项目名称", field="name"),
        kind=kind,
        description=clean_text(description, "说明", field="description"),
        target_amount=yuan(target_amount) if target_amount is not None else None,
        created_by=actor,
        created_at=now or timezone.now(),
    )
    if not project.name:
        raise ValidationError({"name": ["请填写项目名称"]})
    if Project.objects.filter(village=village, name=project.name).exists():
        raise ValidationError({"name": ["本村已有同名项目"]})
    project.full_clean()
    project.save()
    audit(
        actor=actor,
        action="project.create",
        obj=project,
        region_path=village.path,
        after={
            "name": project.name,
            "project_kind": kind,
            "target": str(project.target_amount or ""),
        },
    )
    return project


def _quantity(value, label: str, field: str, places: Decimal) -> Decimal:
    try:
        number = Decimal(str(value)).quantize(places, rounding=ROUND_HALF_UP)
    except (ArithmeticError, ValueError, TypeError):
        raise ValidationError({field: [f"{label}应为数字"]}) from None
    if not number.is_finite() or number <= 0:
        raise ValidationError({field: [f"{label}应大于0"]})
    if number >= Decimal(10) ** 9:
        raise ValidationError({field: [f"{label}过大"]})
    return number


def _evidence(contribution: Contribution, project: Project | None) -> str:
    where = f"“{project.name}”项目" if project else f"“{contribution.cause}”"
    if contribution.kind == ContributionKind.MONEY:
        what = f"捐资 {contribution.amount} 元"
    elif contribution.kind == ContributionKind.GOODS:
        what = f"捐物 {contribution.goods} {contribution.goods_quantity}{contribution.goods_unit}"
        if contribution.amount:
            what += f"（折合 {contribution.amount} 元）"
    else:
        what = f"义务投工 {contribution.labour_days} 天"
    text = f"{what}，用于{where}"
    if contribution.evidence_text:
        text += f"；凭证：{contribution.evidence_text[:200]}"
    return text


@transaction.atomic
def contribution_record(
    *,
    actor: User,
    household: Household,
    kind: str,
    contributed_on: date,
    project: Project | None = None,
    cause: str = "",
    person: Person | None = None,
    amount: Decimal | None = None,
    goods: str = "",
    goods_quantity: Decimal | None = None,
    goods_unit: str = "",
    labour_days: Decimal | None = None,
    evidence_text: str = "",
    photos: Sequence[UploadedFile] = (),
    today: date | None = None,
    now: datetime | None = None,
) -> Contribution:
    """Record a contribution with its evidence and the points it earns (a pending
    entry, see the module's text). Recorded by the village committee, who record
    points too; a member's own household is recorded by another member."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    scope = scope_for(actor)
    if not scope.covers_household(household, Perm.ENGAGE_MANAGE) or not scope.covers_household(
        household, Perm.RECORD_POINTS
    ):
        raise PermissionDenied("捐赠记录和积分由本村评信团成员录入")
    if household.pk in scope.own_household_ids():
        raise ValidationError(
            {"household": [f"{household.number}号户是您本人的家庭，请由其他成员录入"]}
        )
    if kind not in ContributionKind.values:
        raise ValidationError({"kind": ["请选择捐赠方式"]})
    if contributed_on > today:
        raise ValidationError({"contributed_on": ["日期不能在今天之后"]})
    if project is not None and project.village_id != household.village_id:
        raise ValidationError({"project": ["该项目不是本户所在村的项目"]})
    cause = clean_line(cause, "用途", field="cause")
    if project is None and not cause:
        raise ValidationError({"cause": ["请选择项目或填写用途"]})
    if person is not None and (person.household_id != household.pk or not person.active):
        raise ValidationError({"person": ["该村民不是本户在册成员"]})
    values: dict = {"amount": None, "goods_quantity": None, "labour_days": None}
    goods = clean_line(goods, "物品", field="goods")
    goods_unit = clean_line(goods_unit, "单位", field="goods_unit")
    if kind == ContributionKind.MONEY:
        values["amount"] = _quantity(amount, "金额", "amount", CENT)
        goods, goods_unit = "", ""
    elif kind == ContributionKind.GOODS:
        if not goods:
            raise ValidationError({"goods": ["请填写捐赠的物品"]})
        values["goods_quantity"] = _quantity(goods_quantity, "数量", "goods_quantity", CENT)
        if amount not in (None, ""):
            values["amount"] = _quantity(amount, "折合金额", "amount", CENT)
    else:
        values["labour_days"] = _quantity(labour_days, "投工天数", "labour_days", Decimal("0.1"))
        goods, goods_unit = "", ""
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({"photos": [f"最多上传 {MAX_PHOTOS} 张照片"]})
    for photo in photos:
        if problem := photo_files.problem(photo):
            raise ValidationError({"photos": [problem]})
    contribution = Contribution(
        village=household.village,
        project=project,
        cause="" if project is not None else cause,
        household=household,
        person=person,
        kind=kind,
        goods=goods,
        goods_unit=goods_unit,
        contributed_on=contributed_on,
        evidence_text=clean_text(evidence_text, "凭证说明", field="evidence_text"),
        recorded_by=actor,
        recorded_at=now,
        **values,
    )
    contribution.full_clean()
    plan = points_plan(
        household=household,
        kind=kind,
        amount=values["amount"],
        labour_days=values["labour_days"],
        person=person,
        on=contributed_on,
    )
    entry: Entry | None = None
    if plan.units:
        entry = entry_record(
            actor=actor,
            request=EntryRequest(
                household=household,
                item_code=plan.item_code,
                occurred_on=contributed_on,
                quantity=plan.units,
                person=plan.person,
                evidence_text=_evidence(contribution, project),
                source=Source.MANUAL,
            ),
            today=today,
        )
    contribution.entry = entry
    contribution.save()
    for photo in photos:
        stored = photo_files.clean(photo)
        ContributionPhoto.objects.create(
            contribution=contribution, image=stored, sha256=photo_files.sha256(stored)
        )
    audit(
        actor=actor,
        action="contribution.record",
        obj=contribution,
        region_path=household.villager_group.path,
        at=now,
        after={
            "household": household.number,
            "contribution_kind": kind,
            "amount": str(contribution.amount or ""),
            "labour_days": str(contribution.labour_days or ""),
            "project": project.pk if project else None,
            "entry": entry.pk if entry else None,
            "points": plan.note,
        },
    )
    contribution.points_note = plan.note  # type: ignore[attr-defined]  # for the page's message
    return contribution
