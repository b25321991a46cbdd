"""农户: the households in the caller's reach, masked exactly as the pages mask them
(accounts/scope.py FIELDS): a field group the caller is not shown for a household
comes as null, and `fields` lists the groups shown. Never a full ID number (the
audited reveal is a page of its own); the search never matches ID numbers, so no
number travels in a URL."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field as F

from sanxin.accounts.scope import Field, Perm, Scope
from sanxin.api.auth import get_or_404, require
from sanxin.api.errors import responses
from sanxin.api.pagination import Page, PageQuery, paginate
from sanxin.api.schemas import RegionRef
from sanxin.households import selectors
from sanxin.households.choices import CadrePost, HouseholdStatus, PoliticalStatus, Sex
from sanxin.households.models import Household, Person
from sanxin.ratings.standing import with_grade_in_force
from sanxin.rules.choices import Grade
from sanxin.rules.scheme import GRADE_LABELS

router = Router(tags=["农户"])


class GradeInForce(Schema):
    grade: Grade = F(description="在用等级代码：unrated、A、2A、3A、4A、5A")
    label: str = F(description="等级名称")
    valid_until: date = F(description="最长有效至")
    expired: bool = F(description="是否已过有效期")


class HouseholdOut(Schema):
    id: int
    number: str = F(description="户号")
    head_name: str = F(description="户主")
    village: RegionRef = F(description="村")
    villager_group: RegionRef = F(description="村民小组")
    status: HouseholdStatus = F(description="状态：active 在册、moved_out 迁出、dissolved 销户")
    member_count: int = F(description="人口")
    address: str | None = F(description="住址（无权查看时为 null）")
    phone: str | None = F(description="联系电话（无权查看时为 null）")
    grade: GradeInForce | None = F(description="在用等级（尚未评定或无权查看时为 null）")
    fields: list[Field] = F(description="调用者可以看到的本户字段组（与界面相同）")


class MemberOut(Schema):
    id: int
    name: str = F(description="姓名")
    relation: str = F(description="与户主关系")
    is_head: bool = F(description="是否户主")
    sex: Sex | None = F(description="性别（字段组 sex_age）")
    birth_year: int | None = F(description="出生年份（字段组 sex_age）")
    id_number_masked: str | None = F(description="遮蔽的身份证号（字段组 masked_id）")
    political_status: PoliticalStatus | None = F(description="政治面貌（字段组 political）")
    cadre_post: CadrePost | None = F(description="职务（字段组 political；无职务时为 null）")
    phone: str | None = F(description="联系电话（字段组 phone）")


class HouseholdDetailOut(HouseholdOut):
    members: list[MemberOut] | None = F(description="在户成员，户主在前（字段组 members）")


class HouseholdFilters(Schema):
    region: int | None = F(None, description="只列出这个地区（村或村民小组）里的农户")
    status: HouseholdStatus | None = F(None, description="只列出这一状态的农户")
    q: str | None = F(None, max_length=30, description="按成员姓名或户号查找（不按身份证号）")


def grade_in_force_out(grade: str | None, valid_until: date | None, today: date) -> dict | None:
    if grade is None or valid_until is None:
        return None
    return {
        "grade": grade,
        "label": str(GRADE_LABELS.get(grade, grade)),
        "valid_until": valid_until,
        "expired": valid_until < today,
    }


def household_out(scope: Scope, h: Household, today: date) -> dict:
    """A household (annotated by `with_grade_in_force`) as the caller may see it."""
    shown = scope.fields(h)
    return {
        "id": h.pk,
        "number": h.number,
        "head_name": h.head_name,
        "village": {"id": h.village_id, "name": h.village.name},
        "villager_group": {"id": h.villager_group_id, "name": h.villager_group.name},
        "status": h.status,
        "member_count": h.member_count,
        "address": h.address if Field.ADDRESS in shown else None,
        "phone": h.phone if Field.PHONE in shown else None,
        "grade": grade_in_force_out(h.grade_in_force, h.grade_valid_until, today)  # type: ignore[attr-defined]
        if Field.GRADE in shown
        else None,
        "fields": sorted(shown - {Field.FULL_ID}),
    }


def member_out(p: Person, shown: frozenset[Field]) -> dict:
    sex_age = Field.SEX_AGE in shown
    political = Field.POLITICAL in shown
    return {
        "id": p.pk,
        "name": p.name,
        "relation": p.relation,
        "is_head": p.is_head,
        "sex": p.sex if sex_age else None,
        "birth_year": p.birth_year if sex_age else None,
        "id_number_masked": p.id_number_masked if Field.MASKED_ID in shown else None,
        "political_status": p.political_status if political else None,
        "cadre_post": (p.cadre_post or None) if political else None,
        "phone": p.phone if Field.PHONE in shown else None,
    }


def scoped_households(scope: Scope):
    """The households in reach with what the list shows: villages, groups, the grade
    in force (annotated in SQL, no query per row)."""
    return with_grade_in_force(scope.households().select_related("village", "villager_group"))


def in_region(scope: Scope, households, region_id: int | None):
    """`households` narrowed to a region in reach (404 for one outside it)."""
    if region_id is None:
        return households
    region = get_or_404(scope.regions(Perm.VIEW_REGISTRY), region_id)
    return households.filter(villager_group__path__startswith=region.path)


@router.get(
    "/households",
    response=responses(Page[HouseholdOut]),
    summary="农户列表",
    description="调用者辖区内的农户，按村、户号排序；字段按角色遮蔽（与界面相同）。"
    "region 为辖区外的地区时回答 404。",
)
def households_list(request: HttpRequest, filters: Query[HouseholdFilters], page: Query[PageQuery]):
    scope = require(request)
    households = in_region(scope, scoped_households(scope), filters.region)
    if filters.status:
        households = households.filter(status=filters.status)
    if filters.q:
        households = selectors.household_search(households, filters.q)
    today = timezone.localdate()
    return paginate(
        households,
        page,
        order=("village_id", "number", "id"),
        key="households",
        items=lambda rows: [household_out(scope, h, today) for h in rows],
    )


@router.get(
    "/households/{household_id}",
    response=responses(HouseholdDetailOut),
    summary="农户详情",
    description="一户的登记信息和在户成员，字段按角色遮蔽；辖区以外的农户回答 404。",
)
def households_detail(request: HttpRequest, household_id: int):
    scope = require(request)
    household = get_or_404(scoped_households(scope), household_id)
    shown = scope.fields(household)
    out = household_out(scope, household, timezone.localdate())
    out["members"] = (
        [member_out(p, shown) for p in selectors.members_by_age(household)]
        if Field.MEMBERS in shown
        else None
    )
    return out
