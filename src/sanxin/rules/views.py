"""Scheme screens: the public item catalogue (the rules are public), the district's
versions (export, import, a new version based on an existing one) and a village's
own items.

Who may do what:
- the catalogue is public, no login needed;
- a district's versions, import and new versions: Perm.MANAGE_SCHEME (district
  admins), for their own district only;
- export: any logged-in user with a role inside the version's district (the
  content is public anyway; outsiders get 404 so they cannot list versions);
- a village's own items: Perm.MANAGE_VILLAGE_ITEMS (committee heads), for their
  own village only.
"""

from __future__ import annotations

import re
from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace
from typing import Any
from urllib.parse import quote

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from sanxin.accounts.decorators import ScopedRequest, requires
from sanxin.accounts.scope import Perm, Scope, scope_for
from sanxin.lib.forms import id_or_none
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rules import selectors, services
from sanxin.rules.forms import SchemeEditForm, SchemeImportForm, VillageItemsForm
from sanxin.rules.models import SchemeVersion
from sanxin.rules.scheme import (
    APPLIES_TO_LABELS,
    GRADE_LABELS,
    RATED_GRADES,
    TIER_LABELS,
    TIERS,
    VETO_KIND_LABELS,
    Item,
    Scheme,
    scheme_to_json,
)

# ------------------------------------------------------------------ presentation


def _fmt(value: Decimal | int | None) -> str:
    """A number as people write it: 5, 1.5, 0.75 (no exponent, no trailing zeros)."""
    if value is None:
        return ""
    d = Decimal(value).normalize()
    return format(d, "f")


def _signed(points: Decimal) -> str:
    return f"+{_fmt(points)}" if points > 0 else f"−{_fmt(-points)}"


def _days(days: int) -> str:
    if days % 365 == 0:
        return _("%(days)s 天（%(years)s 年）") % {"days": days, "years": days // 365}
    return _("%(days)s 天") % {"days": days}


def _cap(grade: str) -> str:
    if grade == "unrated":
        return _("不予评级")
    return _("最高 %(grade)s 级") % {"grade": GRADE_LABELS[grade]}


def _item_view(item: Item) -> SimpleNamespace:
    return SimpleNamespace(
        code=item.code,
        name=item.name,
        category=item.category,
        points=_signed(item.points),
        deduction=item.is_deduction,
        applies=APPLIES_TO_LABELS.get(item.applies_to, item.applies_to),
        cap=_("%(n)s 分") % {"n": _fmt(item.annual_cap)} if item.annual_cap is not None else "—",
        validity=_("当年有效") if item.validity_days is None else _days(item.validity_days),
        repeat=f"×{_fmt(item.repeat_multiplier)}" if item.repeat_multiplier != 1 else "—",
        evidence=_("需要") if item.evidence_required else "—",
        tiers=_("全部")
        if tuple(item.tiers) == TIERS
        else "、".join(TIER_LABELS.get(t, t) for t in item.tiers),
        veto=f"{_cap(item.veto.cap_grade)}，{_days(item.veto.days)}" if item.veto else "",
        own=item.own,
    )


def _formula(scheme: Scheme, formula: dict[str, Decimal]) -> str:
    parts = [
        f"{scheme.component(c).name} × {_fmt(w * 100)}%"
        for c, w in formula.items()
        if w and c in {x.code for x in scheme.components}
    ]
    return " + ".join(parts)


def _component_text(scheme: Scheme, code: str) -> str:
    c = scheme.component(code)
    values = {"start": _fmt(c.start), "full": _fmt(c.full_marks)}
    if code == "base":
        return (
            _(
                "每户每年起始 %(start)s 分，按下面的积分项加分或扣分，最高 %(full)s 分；"
                "折合百分制 = 积分 ÷ %(full)s × 100。"
            )
            % values
        )
    if code == "credit":
        return _(
            "由信用联社入户评分（满分 %(full)s 分），再加减信用履约类积分项；"
            "评分有效 %(days)s 天，没有有效评分的户暂不评级。"
        ) % {**values, "days": scheme.credit_valid_days}
    return (
        _("只对党员：每名党员起始 %(start)s 分，最高 %(full)s 分，折合百分制后全户党员取平均。")
        % values
    )


def _item_groups(scheme: Scheme, query: str = "") -> list[SimpleNamespace]:
    """Items grouped by component, then category (scheme order), filtered by name.

    Each group and category carries an anchor for the table of contents.
    """
    query = query.strip().casefold()
    wanted = [i for i in scheme.items if not query or query in i.name.casefold()]
    groups = []
    for component in scheme.components:
        categories = []
        for category in scheme.categories:
            items = [
                _item_view(i)
                for i in wanted
                if i.component == component.code and i.category == category.code
            ]
            if items:
                categories.append(
                    SimpleNamespace(
                        code=category.code,
                        name=category.name,
                        anchor=f"items-{component.code}-{category.code}",
                        items=items,
                    )
                )
        if categories:
            groups.append(
                SimpleNamespace(
                    name=component.name,
                    anchor=f"items-{component.code}",
                    categories=categories,
                    count=sum(len(c.items) for c in categories),
                )
            )
    return groups


def catalogue_context(scheme: Scheme, query: str = "") -> dict:
    """Everything the catalogue shows, as plain values for the template.

    `query` narrows the items table to names containing it; the rest of the
    catalogue (components, grades, vetoes, credit table) is always shown.
    """
    groups = _item_groups(scheme, query)
    tiers = []
    for t in scheme.tiers:
        multipliers = "、".join(
            _("%(component)s扣分 ×%(m)s") % {"component": scheme.component(c).name, "m": _fmt(m)}
            for c, m in t.deduction_multipliers.items()
            if m != 1 and c in {x.code for x in scheme.components}
        )
        tiers.append(
            SimpleNamespace(
                name=t.name,
                multipliers=multipliers or _("扣分不加倍"),
                formulas=[_formula(scheme, f) for f in t.formulas],
                note=t.note,
            )
        )

    def threshold_text(tier, grade: str) -> str:
        value = tier.thresholds.get(grade)
        if value is None:
            return "—"
        if grade == RATED_GRADES[0] and value == 0:
            return _("低于 2A 分数线（有有效的信用联社评分即可）")
        return _("综合得分 ≥ %(v)s") % {"v": _fmt(value)}

    thresholds = [
        SimpleNamespace(
            grade=GRADE_LABELS[g],
            values=[SimpleNamespace(tier=t.name, text=threshold_text(t, g)) for t in scheme.tiers],
        )
        for g in reversed(RATED_GRADES)
    ]
    components = [
        SimpleNamespace(name=c.name, text=_component_text(scheme, c.code), note=c.note)
        for c in scheme.components
    ]
    vetoes = [
        SimpleNamespace(
            name=v.name,
            kind=VETO_KIND_LABELS.get(v.kind, v.kind),
            cap=_cap(v.cap_grade),
            days=_days(v.days),
        )
        for v in scheme.veto_rules
    ]
    item_vetoes = [i for i in scheme.items if i.veto]
    credit_areas = [
        SimpleNamespace(
            name=a.name,
            max_points=_fmt(a.max_points),
            indicators=[
                SimpleNamespace(
                    name=i.name,
                    max_points=_fmt(i.max_points),
                    options="；".join(f"{o.label} {_fmt(o.points)}" for o in i.options),
                )
                for i in a.indicators
            ],
        )
        for a in scheme.credit_areas
    ]
    return {
        "item_groups": groups,
        "query": query.strip(),
        "match_count": sum(g.count for g in groups),
        "item_count": len(scheme.items),
        "own_count": len(scheme.own_items),
        "tiers": tiers,
        "tier_names": [t.name for t in scheme.tiers],
        "thresholds": thresholds,
        "components": components,
        "vetoes": vetoes,
        "item_vetoes": [SimpleNamespace(name=i.name, text=_item_view(i).veto) for i in item_vetoes],
        "credit_areas": credit_areas,
        "credit_max": _fmt(scheme.credit_max_points),
        "limits": scheme.village_limits,
        "limit_points": _fmt(scheme.village_limits.max_abs_points),
    }


# ------------------------------------------------------------------ public catalogue


def _int(value) -> int | None:
    return id_or_none(value) if isinstance(value, str) else None


def _home_region(request: HttpRequest) -> tuple[int | None, int | None]:
    """(district id, village id) of the logged-in user's first role, if any."""
    if not request.user.is_authenticated:
        return None, None
    for grant in scope_for(request.user).grants:
        if grant.region_path:
            ids = Region.ids_in_path(grant.region_path)
            # Paths run district / town / village / group.
            return ids[0], (ids[2] if len(ids) >= 3 else None)
        if grant.household_id:
            from sanxin.households.models import Household

            row = (
                Household.objects.filter(pk=grant.household_id)
                .values_list("village_id", "village__path")
                .first()
            )
            if row:
                return Region.ids_in_path(row[1])[0], row[0]
    return None, None


@require_GET
def catalogue(request: HttpRequest) -> HttpResponse:
    """The scheme in force today for a village (or its district): public."""
    today = timezone.localdate()
    home_district, home_village = _home_region(request)
    districts = list(Region.objects.filter(level=Level.DISTRICT).order_by("path"))
    by_id = {d.pk: d for d in districts}
    district = by_id.get(_int(request.GET.get("district")) or home_district or -1) or (
        districts[0] if districts else None
    )
    villages: list[Region] = []
    village = None
    version = upcoming = None
    if district is not None:
        villages = list(
            Region.objects.filter(level=Level.VILLAGE, path__startswith=district.path)
            .select_related("parent")
            .order_by("path")
        )
        wanted = _int(request.GET["village"]) if "village" in request.GET else home_village
        village = next((v for v in villages if v.pk == wanted), None)
        if village is not None:
            version = selectors.scheme_for_village(village, today)
        if version is None:
            version = selectors.district_version_in_force(district.pk, today)
        upcoming = selectors.district_version_next(district.pk, today)
        if version is None:
            version, upcoming = upcoming, None
    context: dict[str, Any] = {
        "districts": districts,
        "district": district,
        "villages": villages,
        "village": village,
        "version": version,
        "upcoming": upcoming,
        "today": today,
    }
    if version is not None:
        context["is_village_version"] = version.village_id is not None
        context.update(catalogue_context(version.scheme, request.GET.get("q", "")[:50]))
    return render(request, "rules/catalogue.html", context)


# ------------------------------------------------------------------ district versions


def _managed_districts(scope: Scope) -> list[Region]:
    """The districts where the user publishes schemes (district-level grants only)."""
    ids = [
        g.region_id
        for g in scope.grants_for(Perm.MANAGE_SCHEME)
        if g.region_level == Level.DISTRICT and g.region_id is not None
    ]
    districts = list(Region.objects.filter(pk__in=ids, level=Level.DISTRICT).order_by("path"))
    if not districts:
        raise PermissionDenied
    return districts


def _pick(regions: list[Region], value) -> Region:
    """The region the request names (404 if it is not one of the user's), else the first."""
    if value in (None, ""):
        return regions[0]
    found = next((r for r in regions if str(r.pk) == str(value)), None)
    if found is None:
        raise Http404
    return found


def _managed_version(scope: Scope, pk: int) -> SchemeVersion:
    ids = [d.pk for d in _managed_districts(scope)]
    version = (
        SchemeVersion.objects.select_related("district")
        .filter(pk=pk, village__isnull=True, district_id__in=ids)
        .first()
    )
    if version is None:
        raise Http404
    return version


@require_GET
@requires(Perm.MANAGE_SCHEME)
def version_list(request: ScopedRequest) -> HttpResponse:
    districts = _managed_districts(request.scope)
    district = _pick(districts, request.GET.get("district"))
    today = timezone.localdate()
    versions = list(selectors.district_versions_with_villages(district.pk))
    in_force = next((v for v in versions if v.effective_from <= today), None)
    return render(
        request,
        "rules/versions.html",
        {
            "districts": districts,
            "district": district,
            "versions": versions,
            "in_force": in_force,
            "today": today,
        },
    )


def _ascii_filename(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "_", text).strip("_") or "scheme"


@require_GET
@requires(Perm.VIEW_REGISTRY)
def version_export(request: ScopedRequest, pk: int) -> HttpResponse:
    version = SchemeVersion.objects.select_related("district", "village").filter(pk=pk).first()
    if (
        version is None
        or not request.scope.regions().filter(path__startswith=version.district.path).exists()
    ):
        raise Http404
    scheme = version.scheme
    if scheme.effective_from != version.effective_from:
        scheme = replace(scheme, effective_from=version.effective_from)
    owner = version.village or version.district
    ascii_name = _ascii_filename(
        f"sanxin-scheme-{scheme.code}-{scheme.version}"
        + (f"-village{version.village_id}" if version.village_id else "")
    )
    readable = f"{owner.name}-{scheme.name}-{scheme.version}.json"
    response = HttpResponse(
        scheme_to_json(scheme).encode("utf-8"), content_type="application/json; charset=utf-8"
    )
    response["Content-Disposition"] = (
        f"attachment; filename=\"{ascii_name}.json\"; filename*=UTF-8''{quote(readable, safe='')}"
    )
    response["Cache-Control"] = "no-store"
    return response


@require_http_methods(["GET", "POST"])
@requires(Perm.MANAGE_SCHEME)
def version_import(request: ScopedRequest) -> HttpResponse:
    districts = _managed_districts(request.scope)
    params = request.POST if request.method == "POST" else request.GET
    district = _pick(districts, params.get("district"))
    errors: list[str] = []
    if request.method == "POST" and params.get("use_default"):
        # A district without any version starts from the scheme that ships with the product.
        if selectors.district_versions(district.pk).exists():
            messages.error(request, _("本区已有评分方案版本，请在已有版本的基础上制作新版本。"))
        else:
            version = services.scheme_install_default(district=district, actor=request.user)
            messages.success(
                request, _("已启用产品默认方案（版本 %(v)s）。") % {"v": version.version}
            )
        return redirect(f"{reverse('rules:versions')}?district={district.pk}")
    if request.method == "POST":
        form = SchemeImportForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                version = services.scheme_version_import(
                    actor=request.user,
                    district=district,
                    content=form.cleaned_data["file"].read(),
                    effective_from=form.cleaned_data["effective_from"],
                )
            except ValidationError as exc:
                errors = exc.messages
            else:
                messages.success(
                    request,
                    _("已发布版本 %(v)s，%(d)s 起生效。")
                    % {"v": version.version, "d": f"{version.effective_from:%Y-%m-%d}"},
                )
                return redirect(f"{reverse('rules:versions')}?district={district.pk}")
    else:
        form = SchemeImportForm(initial={"effective_from": timezone.localdate()})
    return render(
        request,
        "rules/import.html",
        {"form": form, "errors": errors, "districts": districts, "district": district},
    )


@require_http_methods(["GET", "POST"])
@requires(Perm.MANAGE_SCHEME)
def version_new(request: ScopedRequest, pk: int) -> HttpResponse:
    base = _managed_version(request.scope, pk)
    today = timezone.localdate()
    form = SchemeEditForm(request.POST or None, base=base, today=today)
    if request.method == "POST" and form.is_valid() and form.new_scheme is not None:
        changed, added = form.changed_count()
        try:
            version = services.scheme_version_derive(
                actor=request.user,
                base=base,
                scheme=form.new_scheme,
                effective_from=form.cleaned_data["effective_from"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _(
                    "已发布版本 %(v)s（%(d)s 起生效）：修改 %(c)s 项，新增 %(a)s 项。原版本 %(b)s 保持不变。"
                )
                % {
                    "v": version.version,
                    "d": f"{version.effective_from:%Y-%m-%d}",
                    "c": changed,
                    "a": added,
                    "b": base.version,
                },
            )
            return redirect(f"{reverse('rules:versions')}?district={base.district_id}")
    return render(request, "rules/edit.html", {"form": form, "base": base, "scheme": form.scheme})


# ------------------------------------------------------------------ village own items


@require_http_methods(["GET", "POST"])
@requires(Perm.MANAGE_VILLAGE_ITEMS)
def village_items(request: ScopedRequest) -> HttpResponse:
    villages = list(
        request.scope.villages(Perm.MANAGE_VILLAGE_ITEMS).select_related("parent").order_by("path")
    )
    if not villages:
        raise PermissionDenied
    params = request.POST if request.method == "POST" else request.GET
    village = _pick(villages, params.get("village"))
    today = timezone.localdate()
    district_id = selectors.district_of(village)
    in_force = selectors.district_version_in_force(district_id, today)
    bases = selectors.district_versions(district_id)
    if in_force is not None:
        bases = bases.filter(effective_from__gte=in_force.effective_from)
    bases = list(bases)
    chosen = _int(params.get("base"))
    base = (
        next((b for b in bases if b.pk == chosen), None)
        or in_force
        or (bases[-1] if bases else None)
    )
    current = selectors.scheme_for_village(village, today)
    history = list(selectors.village_versions(village))
    context = {
        "villages": villages,
        "village": village,
        "bases": bases,
        "base": base,
        "in_force": in_force,
        "current": current,
        "history": history,
        "today": today,
    }
    if base is None:
        return render(request, "rules/village_items.html", context)
    # Start from the village's latest own items (in force or scheduled).
    latest = SchemeVersion.objects.filter(pk=history[0].pk).first() if history else None
    prefill = latest.scheme.own_items if latest else ()
    form = VillageItemsForm(
        request.POST if request.method == "POST" else None,
        base=base,
        village=village,
        current=prefill,
        today=today,
    )
    if request.method == "POST" and form.is_valid():
        try:
            adopted = services.village_version_adopt(
                actor=request.user,
                village=village,
                base=base,
                own_items=form.own_items,
                version=form.cleaned_data["version"],
                effective_from=form.cleaned_data["effective_from"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("已保存本村版本 %(v)s（%(d)s 起生效），自设项 %(n)s 项。")
                % {
                    "v": adopted.version,
                    "d": f"{adopted.effective_from:%Y-%m-%d}",
                    "n": len(form.own_items),
                },
            )
            return redirect(f"{reverse('rules:village_items')}?village={village.pk}")
    current_own = []
    if current is not None and current.village_id is not None:
        names = {c.code: c.name for c in current.scheme.categories}
        for item in current.scheme.own_items:
            view = _item_view(item)
            view.category_name = names.get(item.category, item.category)
            current_own.append(view)
    context.update(
        {
            "form": form,
            "rows": form.bound_rows(),
            "limits": base.scheme.village_limits,
            "limit_points": _fmt(base.scheme.village_limits.max_abs_points),
            "current_own": current_own,
        }
    )
    return render(request, "rules/village_items.html", context)
