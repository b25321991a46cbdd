"""The assessment's writes: schemes (draft only), indicators, hand scores, publishing.

Every service takes the acting user (`None` is the system: the demo, a command), checks
Perm.ASSESS_MANAGE over the scheme's district, validates, and writes its audit row in
the same transaction. Publishing locks the scheme's row and refuses a page that has
not seen the latest version (`seen_version`), and the database refuses a second
version of the same number, so a double click publishes once."""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.lib import photos as photo_files
from sanxin.lib.text import clean_line, clean_text
from sanxin.oversight.assessment.choices import (
    IndicatorKind,
    IndicatorLevel,
    ResultLevel,
    RuleKind,
    SchemeStatus,
)
from sanxin.oversight.assessment.compute import compute
from sanxin.oversight.assessment.defaults import DEFAULT_INDICATORS
from sanxin.oversight.assessment.indicators import REGISTRY
from sanxin.oversight.assessment.scoring import check_steps, num
from sanxin.oversight.models import (
    AssessmentResult,
    AssessmentScheme,
    AssessmentScore,
    AssessmentVersion,
    Indicator,
    ManualScore,
    ManualScorePhoto,
)
from sanxin.regions.choices import Level
from sanxin.regions.models import Region

if TYPE_CHECKING:
    from sanxin.accounts.models import User

logger = logging.getLogger(__name__)
FULL_MARKS = Decimal(100)


def _require(actor: User | None, district: Region) -> None:
    if actor is not None and not scope_for(actor).covers_region(district, Perm.ASSESS_MANAGE):
        raise PermissionDenied("无权管理该区的考核")


def _require_draft(scheme: AssessmentScheme) -> None:
    if not scheme.is_draft:
        raise ValidationError("考核指标体系已发布，指标不能再修改；结果有变化请重新发布新版本")


def _locked(scheme: AssessmentScheme) -> AssessmentScheme:
    return AssessmentScheme.objects.select_for_update().select_related("district").get(pk=scheme.pk)


# --- schemes ------------------------------------------------------------------------


@transaction.atomic
def assessment_scheme_create(
    *, actor: User | None, district: Region, year: int, name: str = ""
) -> AssessmentScheme:
    """A draft scheme for the district's year (one per year)."""
    _require(actor, district)
    if district.level != Level.DISTRICT:
        raise ValidationError("考核指标体系属于区")
    name = clean_line(name, "名称", field="name") or f"{year} 年度三信工作考核"
    if AssessmentScheme.objects.filter(district=district, year=year).exists():
        raise ValidationError({"year": [f"{district.name}已有 {year} 年度的考核指标体系"]})
    scheme = AssessmentScheme(
        district=district, year=year, name=name, created_by=actor, created_at=timezone.now()
    )
    scheme.full_clean()
    scheme.save()
    audit(
        actor=actor,
        action="assessment.scheme_create",
        obj=scheme,
        object_repr=scheme.name,
        region_path=district.path,
        after={"year": year, "name": name},
    )
    return scheme


@transaction.atomic
def assessment_scheme_edit(*, actor: User | None, scheme: AssessmentScheme, name: str) -> None:
    _require(actor, scheme.district)
    scheme = _locked(scheme)
    _require_draft(scheme)
    name = clean_line(name, "名称", field="name")
    if not name:
        raise ValidationError({"name": ["请填写名称"]})
    before = scheme.name
    scheme.name = name
    scheme.full_clean()
    scheme.save(update_fields=["name", "updated_at"])
    audit(
        actor=actor,
        action="assessment.scheme_edit",
        obj=scheme,
        object_repr=scheme.name,
        region_path=scheme.district.path,
        before={"name": before},
        after={"name": name},
    )


@transaction.atomic
def assessment_use_defaults(*, actor: User | None, scheme: AssessmentScheme) -> list[Indicator]:
    """Fill an empty draft with the default indicator set (defaults.py)."""
    _require(actor, scheme.district)
    scheme = _locked(scheme)
    _require_draft(scheme)
    if scheme.indicators.exists():
        raise ValidationError("指标体系里已有指标；默认指标只能用于空的指标体系")
    made = []
    for order, d in enumerate(DEFAULT_INDICATORS, start=1):
        made.append(
            _indicator_save(
                Indicator(scheme=scheme, sort_order=order),
                name=d.name,
                weight=d.weight,
                level=d.level,
                kind=d.kind,
                computation=d.computation,
                rule=d.rule,
                floor=d.floor,
                target=d.target,
                thresholds=d.thresholds,
                note=d.note,
            )
        )
    audit(
        actor=actor,
        action="assessment.use_defaults",
        obj=scheme,
        object_repr=scheme.name,
        region_path=scheme.district.path,
        after={"indicators": [i.name for i in made]},
    )
    return made


def assessment_default_create(
    *, actor: User | None, district: Region, year: int, name: str = ""
) -> AssessmentScheme:
    """A draft scheme for the year holding the default indicators."""
    with transaction.atomic():
        scheme = assessment_scheme_create(actor=actor, district=district, year=year, name=name)
        assessment_use_defaults(actor=actor, scheme=scheme)
    return scheme


# --- indicators ---------------------------------------------------------------------


def _decimal(value, field: str, label: str) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValidationError({field: [f"{label}须是数字"]}) from None


def _indicator_save(
    indicator: Indicator,
    *,
    name: str,
    weight,
    level: str,
    kind: str,
    computation: str = "",
    rule: str = "",
    floor=None,
    target=None,
    thresholds: Sequence[Sequence[str]] = (),
    note: str = "",
) -> Indicator:
    errors: dict[str, list[str]] = {}
    name = clean_line(name, "指标名称", field="name")
    note = clean_text(note, "说明", field="note")
    weight_d = _decimal(weight, "weight", "权重")
    if not name:
        errors["name"] = ["请填写指标名称"]
    if weight_d is None or not (0 < weight_d <= FULL_MARKS):
        errors["weight"] = ["权重须大于 0、不超过 100"]
    if level not in IndicatorLevel.values:
        errors["level"] = ["请选择适用对象"]
    if kind not in IndicatorKind.values:
        errors["kind"] = ["请选择指标类型"]
    floor_d, target_d, steps = None, None, []
    if kind == IndicatorKind.MANUAL:
        computation, rule = "", ""
    elif kind == IndicatorKind.COMPUTED:
        if computation not in REGISTRY:
            errors["computation"] = ["请选择计算方法"]
        if rule == RuleKind.LINEAR:
            floor_d = _decimal(floor, "floor", "下限")
            target_d = _decimal(target, "target", "目标值")
            if floor_d is None or target_d is None:
                errors["target"] = ["线性计分须填写下限和目标值"]
            elif floor_d >= target_d:
                errors["target"] = ["目标值须高于下限"]
        elif rule == RuleKind.THRESHOLDS:
            if weight_d is not None and "weight" not in errors:
                try:
                    steps = [[f"{a:f}", f"{p:f}"] for a, p in check_steps(thresholds, weight_d)]
                except ValidationError as exc:
                    errors.update(exc.message_dict)
        else:
            errors["rule"] = ["请选择计分规则"]
    taken = Indicator.objects.filter(scheme=indicator.scheme, name=name).exclude(pk=indicator.pk)
    if name and taken.exists():
        errors["name"] = [f"已有指标“{name}”"]
    if errors or weight_d is None:
        raise ValidationError(errors)
    indicator.name, indicator.weight, indicator.level, indicator.kind = name, weight_d, level, kind
    indicator.computation, indicator.rule = computation, rule
    indicator.floor, indicator.target, indicator.thresholds = floor_d, target_d, steps
    indicator.note = note
    indicator.full_clean()
    indicator.save()
    return indicator


def _indicator_after(i: Indicator) -> dict:
    return {
        "name": i.name,
        "weight": num(i.weight),
        "level": i.level,
        "indicator_kind": i.kind,
        "computation": i.computation,
        "score_rule": i.rule,
        "floor": None if i.floor is None else num(i.floor),
        "target_value": None if i.target is None else num(i.target),
        "thresholds": i.thresholds,
    }


@transaction.atomic
def indicator_add(*, actor: User | None, scheme: AssessmentScheme, **fields) -> Indicator:
    """Add an indicator to a draft (fields: name, weight, level, kind, computation,
    rule, floor, target, thresholds, note)."""
    _require(actor, scheme.district)
    scheme = _locked(scheme)
    _require_draft(scheme)
    order = (scheme.indicators.aggregate(m=Max("sort_order"))["m"] or 0) + 1
    indicator = _indicator_save(Indicator(scheme=scheme, sort_order=order), **fields)
    audit(
        actor=actor,
        action="assessment.indicator_add",
        obj=indicator,
        object_repr=f"{scheme.name}：{indicator.name}",
        region_path=scheme.district.path,
        after=_indicator_after(indicator),
    )
    return indicator


@transaction.atomic
def indicator_edit(*, actor: User | None, indicator: Indicator, **fields) -> Indicator:
    scheme = indicator.scheme
    _require(actor, scheme.district)
    scheme = _locked(scheme)
    _require_draft(scheme)
    indicator = Indicator.objects.get(pk=indicator.pk)
    before = _indicator_after(indicator)
    indicator.scheme = scheme
    indicator = _indicator_save(indicator, **fields)
    after = _indicator_after(indicator)
    audit(
        actor=actor,
        action="assessment.indicator_edit",
        obj=indicator,
        object_repr=f"{scheme.name}：{indicator.name}",
        region_path=scheme.district.path,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
    )
    return indicator


@transaction.atomic
def indicator_remove(*, actor: User | None, indicator: Indicator) -> None:
    scheme = indicator.scheme
    _require(actor, scheme.district)
    scheme = _locked(scheme)
    _require_draft(scheme)
    if ManualScore.objects.filter(indicator=indicator).exists():
        raise ValidationError("该指标已有区级评分，不能删除；可以修改它")
    before = _indicator_after(indicator)
    audit(
        actor=actor,
        action="assessment.indicator_remove",
        obj=indicator,
        object_repr=f"{scheme.name}：{indicator.name}",
        region_path=scheme.district.path,
        before=before,
    )
    indicator.delete()


# --- hand scores ----------------------------------------------------------------------


@transaction.atomic
def manual_score_set(
    *,
    actor: User | None,
    indicator: Indicator,
    region: Region,
    score,
    note: str,
    photos: Sequence[UploadedFile] = (),
) -> ManualScore:
    """The district's score of a town or village on a hand-scored indicator, with a
    note and evidence photos (lib/photos). A new row each time; the latest counts."""
    scheme = indicator.scheme
    _require(actor, scheme.district)
    errors: dict[str, list[str]] = {}
    if not indicator.is_manual:
        raise ValidationError("该指标由系统计算，不能人工评分")
    levels: dict[str, str] = {Level.TOWN: ResultLevel.TOWN, Level.VILLAGE: ResultLevel.VILLAGE}
    level = levels.get(region.level)
    if level is None or not region.is_within(scheme.district):
        errors["region"] = ["请选择本区的镇或村"]
    elif not indicator.applies_to(level):
        errors["region"] = [f"该指标只适用于{IndicatorLevel(indicator.level).label}"]
    value = _decimal(score, "score", "得分")
    if value is None or value < 0 or value > indicator.weight:
        errors["score"] = [f"得分须在 0 到 {num(indicator.weight)} 分之间"]
    note = clean_text(note, "评分说明", field="note")
    if not note:
        errors["note"] = ["请写明评分依据"]
    for photo in photos:
        if problem := photo_files.problem(photo):
            errors.setdefault("photos", []).append(problem)
    if errors:
        raise ValidationError(errors)
    assert value is not None
    row = ManualScore(
        indicator=indicator,
        region=region,
        score=value.quantize(Decimal("0.01")),
        note=note,
        set_by=actor,
        set_at=timezone.now(),
    )
    row.full_clean()
    row.save()
    for photo in photos:
        stored = photo_files.clean(photo)
        ManualScorePhoto.objects.create(
            manual_score=row, image=stored, sha256=photo_files.sha256(stored)
        )
    audit(
        actor=actor,
        action="assessment.manual_score",
        obj=row,
        object_repr=f"{indicator.name}：{region.name}",
        region_path=region.path,
        after={"score": num(row.score), "note": note, "photos": len(photos)},
    )
    return row


# --- publishing -------------------------------------------------------------------------


def weight_problems(indicators: Sequence[Indicator]) -> list[str]:
    """Why the weights do not add up: for towns and for villages, the indicators that
    apply must weigh 100 in all."""
    problems = []
    for level in (ResultLevel.TOWN, ResultLevel.VILLAGE):
        total = sum((i.weight for i in indicators if i.applies_to(level)), Decimal(0))
        if total != FULL_MARKS:
            problems.append(
                f"适用于{ResultLevel(level).label}的指标权重合计 {num(total)} 分，应为 100 分"
            )
    return problems


def latest_version_number(scheme: AssessmentScheme) -> int:
    return scheme.versions.aggregate(m=Max("number"))["m"] or 0


def _snapshot(indicators: Sequence[Indicator]) -> list[dict]:
    return [{"id": i.pk, **_indicator_after(i), "note": i.note} for i in indicators]


def assessment_publish(
    *, actor: User | None, scheme: AssessmentScheme, seen_version: int, reason: str = ""
) -> AssessmentVersion:
    """Freeze the scheme's results as a new version: version 1, or a later one with a
    reason (the earlier stay, superseded). `seen_version` is the latest version the
    publisher's page showed: another publication in between is refused."""
    started = time.perf_counter()
    _require(actor, scheme.district)
    reason = clean_text(reason, "理由", field="reason")
    try:
        with transaction.atomic():
            scheme = _locked(scheme)
            latest = latest_version_number(scheme)
            if latest != seen_version:
                raise ValidationError(
                    f"已发布到第 {latest} 版（页面显示的是第 {seen_version} 版），请刷新后再操作"
                )
            if latest and not reason:
                raise ValidationError({"reason": ["重新发布须写明理由"]})
            result = compute(scheme)
            problems = weight_problems(result.indicators)
            if not result.indicators:
                problems.append("指标体系里还没有指标")
            if result.missing:
                problems.append(f"还有 {len(result.missing)} 项区级评分没有评分")
            if problems:
                raise ValidationError(problems)
            version = AssessmentVersion.objects.create(
                scheme=scheme,
                number=latest + 1,
                reason=reason if latest else "",
                indicators=_snapshot(result.indicators),
                published_by=actor,
                published_at=timezone.now(),
            )
            rows = AssessmentResult.objects.bulk_create(
                AssessmentResult(
                    version=version,
                    region=r.region,
                    level=r.level,
                    total=r.total,
                    rank=r.rank,
                    town_rank=r.town_rank,
                )
                for r in result.results
            )
            AssessmentScore.objects.bulk_create(
                AssessmentScore(
                    result=row,
                    indicator=line.indicator,
                    raw_value=line.raw_value,
                    score=line.score,
                    working=line.working,
                    manual_score=line.manual_score,
                )
                for row, r in zip(rows, result.results, strict=True)
                for line in r.scores
            )
            before = scheme.status
            if scheme.status != SchemeStatus.PUBLISHED:
                scheme.status = SchemeStatus.PUBLISHED
                scheme.save(update_fields=["status", "updated_at"])
            audit(
                actor=actor,
                action="assessment.publish" if version.number == 1 else "assessment.republish",
                obj=version,
                object_repr=f"{scheme.name} 第 {version.number} 版",
                region_path=scheme.district.path,
                before={"status": before} if before != scheme.status else None,
                after={
                    "version": version.number,
                    "reason": version.reason,
                    "towns": len(result.towns),
                    "villages": len(result.villages),
                },
            )
    except IntegrityError:
        # Two publications raced past the check: the database kept one.
        raise ValidationError("这一版已经发布，请刷新后查看") from None
    logger.info(
        "assessment %s version %d published: %d results in %.2f s",
        scheme.pk, version.number, len(rows), time.perf_counter() - started,
    )  # fmt: skip
    return version
