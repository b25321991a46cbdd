"""等级: grades in force — one household's (with its history), and a list per region.
The grade in force follows ratings/standing.py, the rule the pages use."""

from __future__ import annotations

from datetime import date

from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Schema
from pydantic import Field as F

from sanxin.accounts.scope import Field
from sanxin.api.auth import require
from sanxin.api.errors import responses
from sanxin.api.pagination import Page, PageQuery, paginate
from sanxin.api.routers.households import GradeInForce, grade_in_force_out, in_region
from sanxin.api.schemas import RegionRef
from sanxin.ratings import standing
from sanxin.ratings.choices import GradeSource
from sanxin.rules.choices import Grade
from sanxin.rules.scheme import GRADE_LABELS

router = Router(tags=["等级"])


class GradeRecordOut(Schema):
    grade: Grade = F(description="等级代码")
    label: str = F(description="等级名称")
    source: GradeSource = F(description="来源：cycle 周期评定、dynamic 动态调整")
    cycle_id: int = F(description="所依据的评定周期")
    period: str = F(description="评定期，如 2026 或 2026Q1")
    effective_from: date = F(description="生效日期")
    valid_until: date = F(description="最长有效至")
    reason: str = F(description="说明（动态调整的原因）")


class HouseholdGradesOut(Schema):
    household_id: int
    in_force: GradeRecordOut | None = F(description="在用等级（尚未评定时为 null）")
    expired: bool = F(description="在用等级是否已过有效期")
    history: list[GradeRecordOut] = F(description="全部等级记录，在用的在前")


class GradeRow(Schema):
    household_id: int
    number: str = F(description="户号")
    head_name: str = F(description="户主")
    village: RegionRef
    villager_group: RegionRef
    grade: GradeInForce | None = F(description="在用等级（尚未评定或无权查看时为 null）")


class GradeFilters(Schema):
    region: int | None = F(None, description="只列出这个地区（镇、村或村民小组）里的农户")
    grade: Grade | None = F(None, description="只列出在用等级为此的农户")


def record_out(record) -> dict:
    return {
        "grade": record.grade,
        "label": str(GRADE_LABELS.get(record.grade, record.grade)),
        "source": record.source,
        "cycle_id": record.cycle_id,
        "period": record.cycle.period,
        "effective_from": record.effective_from,
        "valid_until": record.valid_until,
        "reason": record.reason,
    }


@router.get(
    "/households/{household_id}/grades",
    response=responses(HouseholdGradesOut),
    summary="一户的在用等级和等级记录",
    description="辖区以外的农户回答 404；看不到本户等级的角色回答 403。",
)
def grades_of_household(request: HttpRequest, household_id: int):
    scope = require(request)
    household = scope.get_household(household_id)
    scope.require(Field.GRADE, household)
    history = standing.grade_history(household)
    in_force = history[0] if history else None
    return {
        "household_id": household.pk,
        "in_force": record_out(in_force) if in_force else None,
        "expired": in_force is not None and standing.is_expired(in_force),
        "history": [record_out(r) for r in history],
    }


@router.get(
    "/grades",
    response=responses(Page[GradeRow]),
    summary="在用等级列表",
    description="辖区内（或指定地区内）每户的在用等级，按村、户号排序。",
)
def grades_list(request: HttpRequest, filters: Query[GradeFilters], page: Query[PageQuery]):
    scope = require(request)
    households = standing.with_grade_in_force(
        scope.households().select_related("village", "villager_group")
    )
    households = in_region(scope, households, filters.region)
    if filters.grade:
        households = households.filter(grade_in_force=filters.grade)
    today = timezone.localdate()

    def row(h) -> dict:
        return {
            "household_id": h.pk,
            "number": h.number,
            "head_name": h.head_name,
            "village": {"id": h.village_id, "name": h.village.name},
            "villager_group": {"id": h.villager_group_id, "name": h.villager_group.name},
            "grade": grade_in_force_out(h.grade_in_force, h.grade_valid_until, today)
            if scope.sees(Field.GRADE, h)
            else None,
        }

    return paginate(
        households,
        page,
        order=("village_id", "number", "id"),
        key="grades",
        items=lambda rows: [row(h) for h in rows],
    )
