"""评定: rating cycles of the villages in reach and their results — each household's
score and grade in the cycle's current run, as the caller may see them (the score,
the grade by points and the veto flag need the `points` field group; the tier the
`political` group; the grades the `grade` group)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field as F

from sanxin.accounts.scope import Field
from sanxin.api.auth import require
from sanxin.api.errors import responses
from sanxin.api.pagination import Page, PageQuery, paginate
from sanxin.api.schemas import RegionRef
from sanxin.ratings import selectors
from sanxin.ratings.choices import CycleState
from sanxin.ratings.models import Cycle
from sanxin.rules.choices import Grade, Tier
from sanxin.rules.scheme import GRADE_LABELS

router = Router(tags=["评定"])


class CycleOut(Schema):
    id: int
    village: RegionRef = F(description="村")
    town: RegionRef | None = F(description="村所属的镇（乡）")
    period: str = F(description="评定期，如 2026 或 2026Q1")
    period_label: str = F(description="评定期的中文名称")
    cut_off: date = F(description="截止日期")
    state: CycleState = F(
        description="状态：open 已开启、computed 已计算、review 委员会审核、notice 公示、final 最终"
    )
    state_label: str = F(description="状态的中文名称")
    current_run: int = F(description="当前计算批次（0 为尚未计算）")
    computed_at: datetime | None = F(description="最近一次计算时间")
    notice_starts_on: date | None = F(description="公示开始日期")
    notice_ends_on: date | None = F(description="公示结束日期")
    finalised_at: datetime | None = F(description="最终确定时间")


class CycleFilters(Schema):
    village: int | None = F(None, description="只列出这个村的评定周期")
    period: str | None = F(None, max_length=20, description="只列出这一评定期，如 2026")
    state: CycleState | None = F(None, description="只列出这一状态")


class ResultOut(Schema):
    household_id: int
    number: str = F(description="户号")
    head_name: str = F(description="户主")
    tier: Tier | None = F(description="身份标准：群众、党员、党员干部（字段组 political）")
    total: Decimal | None = F(description="综合得分（字段组 points）")
    computed_grade: Grade | None = F(description="按积分的等级（字段组 points）")
    grade: Grade | None = F(description="本次计算的等级（字段组 grade）")
    effective_grade: Grade | None = F(
        description="现行结果：委员会调整、异议成立后的等级（字段组 grade）"
    )
    effective_label: str | None = F(description="现行结果的等级名称")
    vetoed: bool | None = F(description="是否有否决事项（字段组 points）")


class ResultFilters(Schema):
    grade: Grade | None = F(None, description="只列出本次计算等级为此的农户")


def cycle_out(cycle: Cycle) -> dict:
    village = cycle.village
    town = village.parent
    return {
        "id": cycle.pk,
        "village": {"id": village.pk, "name": village.name},
        "town": {"id": town.pk, "name": town.name} if town else None,
        "period": cycle.period,
        "period_label": str(cycle.period_label),
        "cut_off": cycle.cut_off,
        "state": cycle.state,
        "state_label": str(CycleState(cycle.state).label),
        "current_run": cycle.current_run,
        "computed_at": cycle.computed_at,
        "notice_starts_on": cycle.notice_starts_on,
        "notice_ends_on": cycle.notice_ends_on,
        "finalised_at": cycle.finalised_at,
    }


@router.get(
    "/cycles",
    response=responses(Page[CycleOut]),
    summary="评定周期列表",
    description="调用者能看到其农户的村的评定周期，评定期新的在前。",
)
def cycles_list(request: HttpRequest, filters: Query[CycleFilters], page: Query[PageQuery]):
    scope = require(request)
    cycles = selectors.cycles_for(scope)
    if filters.village is not None:
        cycles = cycles.filter(village_id=filters.village)
    if filters.period:
        cycles = cycles.filter(period=filters.period)
    if filters.state:
        cycles = cycles.filter(state=filters.state)
    return paginate(
        cycles,
        page,
        order=("-period", "village__path", "id"),
        key="cycles",
        items=lambda rows: [cycle_out(c) for c in rows],
    )


@router.get(
    "/cycles/{cycle_id}",
    response=responses(CycleOut),
    summary="评定周期详情",
    description="辖区以外的村的周期回答 404。",
)
def cycles_detail(request: HttpRequest, cycle_id: int):
    return cycle_out(selectors.get_cycle(require(request), cycle_id))


@router.get(
    "/cycles/{cycle_id}/results",
    response=responses(Page[ResultOut]),
    summary="评定结果",
    description="本周期当前计算批次中、调用者辖区内每户的得分和等级，按户号排序；"
    "各字段按角色遮蔽（与界面相同）。尚未计算的周期没有结果。",
)
def cycles_results(
    request: HttpRequest,
    cycle_id: int,
    filters: Query[ResultFilters],
    page: Query[PageQuery],
):
    scope = require(request)
    cycle = selectors.get_cycle(scope, cycle_id)
    ratings = selectors.filter_ratings(
        selectors.current_ratings(cycle, scope), grade=filters.grade or ""
    ).select_related("household__villager_group")

    def items(rows) -> list[dict]:
        changes = selectors.grade_changes([cycle.pk], [r.household_id for r in rows])
        out = []
        for r in rows:
            shown = scope.fields(r.household)
            points = Field.POINTS in shown
            grade = Field.GRADE in shown
            effective = changes.get((cycle.pk, r.household_id), r.grade)
            out.append(
                {
                    "household_id": r.household_id,
                    "number": r.household.number,
                    "head_name": r.household.head_name,
                    "tier": r.tier if Field.POLITICAL in shown else None,
                    "total": r.total if points else None,
                    "computed_grade": r.computed_grade if points else None,
                    "grade": r.grade if grade else None,
                    "effective_grade": effective if grade else None,
                    "effective_label": str(GRADE_LABELS.get(effective, effective))
                    if grade
                    else None,
                    "vetoed": r.vetoed if points else None,
                }
            )
        return out

    return paginate(
        ratings,
        page,
        order=("household__number", "household_id"),
        key=f"results:{cycle.pk}",
        items=items,
    )
