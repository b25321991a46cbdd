"""The assessment (考核) pages: the list of years and their published versions (everyone
with Perm.ASSESS_VIEW, each seeing the results of the regions in reach), the district
admin's scheme editor, hand scoring, preview and publishing (Perm.ASSESS_MANAGE), a
version's results table, one region's scores with their working and evidence, and the
Excel export. docs/assessment.md describes them."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.lib import photos as photo_files
from sanxin.lib.export import XLSX_TYPE, Sheet, workbook_xlsx
from sanxin.lib.forms import apply_service_errors
from sanxin.oversight.assessment import services
from sanxin.oversight.assessment.compute import compute, latest_manual_scores
from sanxin.oversight.assessment.forms import (
    IndicatorForm,
    ManualScoreForm,
    PublishForm,
    SchemeForm,
    SchemeNameForm,
)
from sanxin.oversight.assessment.indicators import REGISTRY
from sanxin.oversight.assessment.scoring import num, rule_of
from sanxin.oversight.assessment.selectors import (
    Published,
    districts_in_reach,
    published_results,
    results_in_reach,
    schemes_in_reach,
)
from sanxin.oversight.models import (
    AssessmentResult,
    AssessmentScheme,
    AssessmentScore,
    AssessmentVersion,
    Indicator,
    ManualScorePhoto,
)
from sanxin.regions.choices import Level
from sanxin.regions.models import Region

INDICATOR_FIELDS = (
    "name",
    "weight",
    "level",
    "kind",
    "computation",
    "rule",
    "floor",
    "target",
    "thresholds",
    "note",
)


def _scheme(request, pk) -> AssessmentScheme:
    return request.scope.get(
        AssessmentScheme.objects.select_related("district"), pk, Perm.ASSESS_MANAGE
    )


def _indicator(request, pk) -> Indicator:
    return request.scope.get(
        Indicator.objects.select_related("scheme__district"), pk, Perm.ASSESS_MANAGE
    )


def _version(request, pk) -> AssessmentVersion:
    """A version of a district the user works in (404 otherwise)."""
    districts = [d.pk for d in districts_in_reach(request.scope)]
    found = (
        AssessmentVersion.objects.select_related("scheme__district")
        .filter(pk=_int(pk), scheme__district_id__in=districts)
        .first()
    )
    if found is None:
        raise Http404
    return found


def _int(value) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise Http404 from None


# --- the list of years ---------------------------------------------------------------


@requires(Perm.ASSESS_VIEW)
def assessment_index(request):
    scope = request.scope
    manages = scope.has(Perm.ASSESS_MANAGE)
    schemes = schemes_in_reach(scope).prefetch_related(
        Prefetch("versions", queryset=AssessmentVersion.objects.order_by("-number"))
    )
    if not manages:
        schemes = schemes.filter(versions__isnull=False).distinct()
    rows = []
    for scheme in schemes.order_by("-year", "district__path"):
        versions = list(scheme.versions.all())
        rows.append(
            {
                "scheme": scheme,
                "versions": versions,
                "may_manage": manages and scope.covers_region(scheme.district, Perm.ASSESS_MANAGE),
            }
        )
    form = SchemeForm(initial={"year": timezone.localdate().year - 1, "use_defaults": True})
    return render(
        request,
        "oversight/assessment/index.html",
        {"rows": rows, "form": form if manages else None},
    )


@requires(Perm.ASSESS_MANAGE)
@require_POST
def assessment_create(request):
    form = SchemeForm(request.POST)
    districts = districts_in_reach(request.scope, Perm.ASSESS_MANAGE)
    if form.is_valid() and districts:
        cd = form.cleaned_data
        try:
            create = (
                services.assessment_default_create
                if cd["use_defaults"]
                else services.assessment_scheme_create
            )
            scheme = create(
                actor=request.user, district=districts[0], year=cd["year"], name=cd["name"]
            )
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
            return redirect("oversight:assessment")
        messages.success(request, _("已新建考核指标体系“%(n)s”") % {"n": scheme.name})
        return redirect("oversight:assessment_scheme", pk=scheme.pk)
    messages.error(request, _("请填写正确的考核年度"))
    return redirect("oversight:assessment")


# --- the scheme editor -------------------------------------------------------------------


def _scheme_page(request, scheme: AssessmentScheme, *, indicator_form=None, status=200):
    indicators = list(scheme.indicators.order_by("sort_order", "id"))
    latest = services.latest_version_number(scheme)
    rows = [
        {
            "indicator": i,
            "computation": REGISTRY.get(i.computation),
            "rule": ""
            if i.is_manual
            else rule_of(i, REGISTRY[i.computation].unit).describe(i.weight)
            if i.computation in REGISTRY
            else "",
        }
        for i in indicators
    ]
    return render(
        request,
        "oversight/assessment/scheme.html",
        {
            "scheme": scheme,
            "rows": rows,
            "problems": services.weight_problems(indicators) if indicators else [],
            "name_form": SchemeNameForm(initial={"name": scheme.name}),
            "indicator_form": indicator_form
            or IndicatorForm(initial={"level": "both", "kind": "computed"}),
            "publish_form": PublishForm(initial={"seen_version": latest}),
            "latest": latest,
            "versions": list(scheme.versions.order_by("-number")),
            "computations": list(REGISTRY.values()),
        },
        status=status,
    )


@requires(Perm.ASSESS_MANAGE)
def assessment_scheme(request, pk: int):
    return _scheme_page(request, _scheme(request, pk))


@requires(Perm.ASSESS_MANAGE)
@require_POST
def assessment_scheme_edit(request, pk: int):
    scheme = _scheme(request, pk)
    form = SchemeNameForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_scheme_edit(
                actor=request.user, scheme=scheme, name=form.cleaned_data["name"]
            )
            messages.success(request, _("已修改名称"))
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
    else:
        messages.error(request, _("请填写名称"))
    return redirect("oversight:assessment_scheme", pk=scheme.pk)


@requires(Perm.ASSESS_MANAGE)
@require_POST
def assessment_use_defaults(request, pk: int):
    scheme = _scheme(request, pk)
    try:
        made = services.assessment_use_defaults(actor=request.user, scheme=scheme)
        messages.success(request, _("已采用默认指标 %(n)d 项") % {"n": len(made)})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("oversight:assessment_scheme", pk=scheme.pk)


@requires(Perm.ASSESS_MANAGE)
@require_POST
def assessment_indicator_add(request, pk: int):
    scheme = _scheme(request, pk)
    form = IndicatorForm(request.POST)
    if form.is_valid():
        try:
            services.indicator_add(
                actor=request.user,
                scheme=scheme,
                **{k: form.cleaned_data[k] for k in INDICATOR_FIELDS},
            )
            messages.success(request, _("已新增指标“%(n)s”") % {"n": form.cleaned_data["name"]})
            return redirect("oversight:assessment_scheme", pk=scheme.pk)
        except ValidationError as exc:
            apply_service_errors(form, exc)
    return _scheme_page(request, scheme, indicator_form=form, status=400)


@requires(Perm.ASSESS_MANAGE)
def assessment_indicator_edit(request, pk: int):
    indicator = _indicator(request, pk)
    if request.method == "POST":
        form = IndicatorForm(request.POST)
        if form.is_valid():
            try:
                services.indicator_edit(
                    actor=request.user,
                    indicator=indicator,
                    **{k: form.cleaned_data[k] for k in INDICATOR_FIELDS},
                )
                messages.success(request, _("已修改指标"))
                return redirect("oversight:assessment_scheme", pk=indicator.scheme_id)
            except ValidationError as exc:
                apply_service_errors(form, exc)
    else:
        form = IndicatorForm(initial=IndicatorForm.initial_of(indicator))
    return render(
        request,
        "oversight/assessment/indicator.html",
        {"indicator": indicator, "scheme": indicator.scheme, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@requires(Perm.ASSESS_MANAGE)
@require_POST
def assessment_indicator_remove(request, pk: int):
    indicator = _indicator(request, pk)
    try:
        services.indicator_remove(actor=request.user, indicator=indicator)
        messages.success(request, _("已删除指标“%(n)s”") % {"n": indicator.name})
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("oversight:assessment_scheme", pk=indicator.scheme_id)


# --- hand scores ---------------------------------------------------------------------------


def _scored_regions(indicator: Indicator) -> list[Region]:
    levels = [lv for lv in (Level.TOWN, Level.VILLAGE) if indicator.applies_to(lv)]
    return list(
        Region.objects.filter(path__startswith=indicator.scheme.district.path, level__in=levels)
        .select_related("parent")
        .order_by("path")
    )


@requires(Perm.ASSESS_MANAGE)
def assessment_manual(request, pk: int):
    indicator = _indicator(request, pk)
    if not indicator.is_manual:
        raise Http404
    regions = _scored_regions(indicator)
    if request.method == "POST":
        form = ManualScoreForm(request.POST, request.FILES, regions=regions)
        if form.is_valid():
            cd = form.cleaned_data
            try:
                services.manual_score_set(
                    actor=request.user,
                    indicator=indicator,
                    region=form.regions[cd["region"]],
                    score=cd["score"],
                    note=cd["note"],
                    photos=cd["photos"],
                )
                messages.success(
                    request,
                    _("已为%(r)s评分 %(s)s 分")
                    % {"r": form.regions[cd["region"]].name, "s": num(cd["score"])},
                )
                return redirect("oversight:assessment_manual", pk=indicator.pk)
            except ValidationError as exc:
                apply_service_errors(form, exc)
    else:
        chosen = request.GET.get("region")
        form = ManualScoreForm(initial={"region": chosen} if chosen else None, regions=regions)
    latest = {
        region_id: row
        for (ind, region_id), row in latest_manual_scores(indicator.scheme).items()
        if ind == indicator.pk
    }
    photo_rows = ManualScorePhoto.objects.filter(manual_score__in=[r.pk for r in latest.values()])
    photos: dict[int, list[int]] = {}
    for photo_id, score_id in photo_rows.values_list("pk", "manual_score_id"):
        photos.setdefault(score_id, []).append(photo_id)
    rows = [
        {
            "region": r,
            "score": latest.get(r.pk),
            "photos": photos.get(latest[r.pk].pk, []) if r.pk in latest else [],
        }
        for r in regions
    ]
    return render(
        request,
        "oversight/assessment/manual.html",
        {
            "indicator": indicator,
            "scheme": indicator.scheme,
            "form": form,
            "rows": rows,
            "missing": sum(1 for r in rows if r["score"] is None),
        },
        status=400 if request.method == "POST" else 200,
    )


# --- preview and publishing ------------------------------------------------------------------


@requires(Perm.ASSESS_MANAGE)
def assessment_preview(request, pk: int):
    scheme = _scheme(request, pk)
    result = compute(scheme)
    return render(
        request,
        "oversight/assessment/preview.html",
        {
            "scheme": scheme,
            "result": result,
            "indicators": result.indicators,
            "problems": services.weight_problems(result.indicators),
            "latest": services.latest_version_number(scheme),
            "publish_form": PublishForm(
                initial={"seen_version": services.latest_version_number(scheme)}
            ),
        },
    )


@requires(Perm.ASSESS_MANAGE)
@require_POST
def assessment_publish(request, pk: int):
    scheme = _scheme(request, pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("页面已过期，请刷新后再发布"))
        return redirect("oversight:assessment_scheme", pk=scheme.pk)
    try:
        version = services.assessment_publish(
            actor=request.user,
            scheme=scheme,
            seen_version=form.cleaned_data["seen_version"],
            reason=form.cleaned_data["reason"] or "",
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect("oversight:assessment_scheme", pk=scheme.pk)
    messages.success(request, _("已发布第 %(n)d 版考核结果") % {"n": version.number})
    return redirect("oversight:assessment_results", pk=version.pk)


# --- results -----------------------------------------------------------------------------------


def _published(request, version: AssessmentVersion) -> Published:
    return published_results(version, results_in_reach(request.scope))


@requires(Perm.ASSESS_VIEW)
def assessment_results(request, pk: int):
    version = _version(request, pk)
    published = _published(request, version)
    if not published.results:
        raise Http404
    return render(
        request,
        "oversight/assessment/results.html",
        {
            "published": published,
            "scheme": version.scheme,
            "version": version,
            "indicators": published.indicators,
            "history": list(version.scheme.versions.order_by("-number")),
            "may_manage": request.scope.covers_region(version.scheme.district, Perm.ASSESS_MANAGE),
        },
    )


@requires(Perm.ASSESS_VIEW)
def assessment_result(request, pk: int):
    result = request.scope.get(
        AssessmentResult.objects.select_related("region__parent", "version__scheme"),
        pk,
        Perm.ASSESS_VIEW,
    )
    version = result.version
    snapshot = {i["id"]: i for i in version.indicators}
    scores = (
        AssessmentScore.objects.filter(result=result)
        .select_related("manual_score__set_by")
        .prefetch_related("manual_score__photos")
    )
    order = {i["id"]: n for n, i in enumerate(version.indicators)}
    lines = []
    for s in sorted(scores, key=lambda s: order.get(s.indicator_id, 0)):
        published = snapshot.get(s.indicator_id, {})
        computation = REGISTRY.get(published.get("computation") or "")
        lines.append(
            {
                "score": s,
                "name": published.get("name", ""),
                "weight": published.get("weight", ""),
                "unit": computation.unit if computation else "",
                "counts": computation.counts if computation else published.get("note", ""),
                "photos": list(s.manual_score.photos.all()) if s.manual_score else [],
            }
        )
    latest = version.scheme.versions.order_by("-number").values_list("number", flat=True).first()
    return render(
        request,
        "oversight/assessment/result.html",
        {
            "result": result,
            "version": version,
            "scheme": version.scheme,
            "lines": lines,
            "superseded": latest != version.number,
        },
    )


@requires(Perm.ASSESS_VIEW)
def assessment_photo(request, pk: int):
    photo = request.scope.get(
        ManualScorePhoto.objects.select_related("manual_score__indicator__scheme__district"),
        pk,
        Perm.ASSESS_VIEW,
    )
    # Until a published score uses it, only the district's managers see it.
    district = photo.manual_score.indicator.scheme.district
    used = AssessmentScore.objects.filter(manual_score=photo.manual_score).exists()
    if not used and not request.scope.covers_region(district, Perm.ASSESS_MANAGE):
        raise Http404
    return photo_files.response(photo.image, f"assessment-{photo.pk}")


@requires(Perm.ASSESS_VIEW)
@rates.limited(rates.EXPORT)
def assessment_export(request, pk: int):
    version = _version(request, pk)
    published = _published(request, version)
    if not published.results:
        raise Http404
    names = [i["name"] for i in published.indicators]
    ids = [i["id"] for i in published.indicators]

    def table(rows, *, villages: bool):
        for r in rows:
            cells = [r.rank]
            if villages:
                cells += [r.town_rank, r.region.parent.name if r.region.parent_id else ""]
            cells += [r.region.name, r.total]
            for ind in ids:
                s = r.score_of(ind)
                cells += [s.raw_value if s else None, s.score if s else None]
            yield cells

    per_indicator = [h for n in names for h in (f"{n}（原始值）", f"{n}（得分）")]
    towns = Sheet(
        _("镇"),
        [_("排名"), _("镇"), _("总分"), *per_indicator],
        list(table(published.towns, villages=False)),
        [8, 14, 10],
    )
    villages = Sheet(
        _("村"),
        [_("排名"), _("镇内排名"), _("镇"), _("村"), _("总分"), *per_indicator],
        list(table(published.villages, villages=True)),
        [8, 10, 14, 14, 10],
    )
    working = Sheet(
        _("计算过程"),
        [_("镇或村"), _("指标"), _("原始值"), _("得分"), _("计算过程")],
        [
            [r.region.name, s.name, s.raw_value, s.score, s.working]
            for r in published.results
            for s in r.scores
        ],
        [14, 24, 10, 8, 80],
    )
    content = workbook_xlsx([towns, villages, working])
    response = HttpResponse(content, content_type=XLSX_TYPE)
    filename = f"{version.scheme.year}年度考核结果（第{version.number}版）.xlsx"
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=filename
    )
    return response
