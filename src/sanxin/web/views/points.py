"""A household's points page: its provisional grade (ledger), why it holds it, every
entry behind it, and the grade it holds in force (ratings). It sits in the site layer
because it shows both; its URL keeps the name `points:household` (the root URLconf
adds it to the points namespace)."""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Field, Perm
from sanxin.credit.selectors import latest_credit
from sanxin.ledger.choices import Status
from sanxin.ledger.forms import parse_date
from sanxin.ratings.facts import household_grade
from sanxin.ratings.standing import grade_in_force
from sanxin.rules.engine import STATUS_LABELS
from sanxin.rules.scheme import COMPONENT_LABELS, GRADE_LABELS, RATED_GRADES, TIER_LABELS


def _running_totals(result, base_start: Decimal):
    """Counted points by date, and the running total of each component."""
    by_day: dict = defaultdict(
        lambda: {"base": Decimal(0), "credit": Decimal(0), "vanguard": Decimal(0)}
    )
    for c in result.contributions:
        if c.status in ("counted", "capped") and c.counted_points and c.component:
            by_day[c.occurred_on][c.component] += c.counted_points
    rows = []
    running = {"base": base_start, "credit": Decimal(0), "vanguard": Decimal(0)}
    for day in sorted(by_day):
        change = by_day[day]
        for key in running:
            running[key] += change[key]
        rows.append({"date": day, "change": dict(change), "total": dict(running)})
    return rows


def _entry_rows(entries, result):
    contributions = {c.entry_id: c for c in result.contributions} if result else {}
    rows = []
    for e in entries:
        review_ = getattr(e, "review", None)
        c = contributions.get(e.pk)
        counted = None
        if review_ is None:
            status, note = str(Status.PENDING.label), _("等待评信团审核，审核通过后才计分")
        elif not review_.approved:
            status, note = str(Status.REJECTED.label), _("驳回理由：%(r)s") % {"r": review_.reason}
        elif c is not None:
            status, note, counted = STATUS_LABELS.get(c.status, c.status), c.note, c.counted_points
        elif result is not None and e.occurred_on > result.as_of:
            status, note = STATUS_LABELS["not_yet"], _("发生在评定日期之后，暂不计分")
        else:
            status, note = str(Status.APPROVED.label), ""
        rows.append({"entry": e, "status": status, "note": note, "counted": counted})
    return rows


@requires(Perm.VIEW_REGISTRY)
def household_points(request, pk: int):
    """The household's provisional grade, why it holds it, and every entry behind it."""
    scope = request.scope
    household = scope.get_household(pk)
    scope.require(Field.POINTS, household)
    today = timezone.localdate()
    as_of = parse_date(request.GET.get("as_of")) or today
    grade = household_grade(household, as_of)
    result = grade.result
    entries = list(
        household.entries.select_related("person", "review").order_by("-occurred_on", "-id")
    )
    names = {p.pk: p.name for p in household.members.all()}
    context = {
        "household": household,
        "as_of": as_of,
        "today": today,
        "version": grade.version,
        "result": result,
        "rows": _entry_rows(entries, result),
        "can_record": scope.covers_household(household, Perm.RECORD_POINTS),
        "in_force": grade_in_force(household),
    }
    if context["in_force"] is not None:
        context["in_force_label"] = GRADE_LABELS.get(
            context["in_force"].grade, context["in_force"].grade
        )
    if result is not None:
        scheme = grade.version.scheme
        tier = scheme.tier(result.tier)
        base_rule, van_rule = scheme.component("base"), scheme.component("vanguard")
        scores = {c.code: c.score for c in result.components}
        formulas = [
            {
                "terms": [
                    {
                        "label": COMPONENT_LABELS[code],
                        "weight": weight * 100,
                        "score": scores.get(code),
                    }
                    for code, weight in formula.items()
                    if weight
                ],
                "total": total,
                "lowest": total == result.total,
            }
            for formula, total in zip(tier.formulas, result.formula_totals, strict=False)
        ]
        credit = latest_credit(household)
        credit_areas = []
        if credit is not None:
            area_names = {a.code: a.name for a in scheme.credit_areas}
            credit_areas = [
                (area_names.get(code, code), Decimal(str(v)))
                for code, v in credit.area_scores.items()
            ]
        context.update(
            {
                "tier_label": TIER_LABELS[result.tier],
                "grade_label": GRADE_LABELS[result.grade],
                "computed_label": GRADE_LABELS[result.computed_grade],
                "next_label": GRADE_LABELS.get(result.next_grade or "", ""),
                "thresholds": [(g, result.thresholds[g]) for g in reversed(RATED_GRADES)],
                "components": result.components,
                "base_rule": base_rule,
                "van_rule": van_rule,
                "credit_rule": scheme.component("credit"),
                "formulas": formulas,
                "credit": credit,
                "credit_areas": credit_areas,
                "vanguard_members": [
                    (names.get(v.person_id, v.person_id), v) for v in result.vanguard_members
                ],
                "vetoes": [
                    {"veto": v, "cap_label": GRADE_LABELS[v.cap_grade]} for v in result.vetoes
                ],
                "running": _running_totals(result, base_rule.start),
                "has_vanguard": bool(result.vanguard_members),
                "has_credit_items": any(
                    c.component == "credit" and c.counted_points for c in result.contributions
                ),
            }
        )
    return render(request, "ledger/household.html", context)
