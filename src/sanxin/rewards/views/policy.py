"""The district's redemption policy page (/shop/policy/): its versions and the form
that publishes a new one. Perm.SHOP_POLICY (district admins), their own district."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sanxin.accounts.decorators import ScopedRequest, requires
from sanxin.accounts.scope import Perm
from sanxin.lib.forms import apply_service_errors
from sanxin.regions.choices import Level
from sanxin.rewards import selectors
from sanxin.rewards.forms import PolicyForm
from sanxin.rewards.services.policy import policy_publish
from sanxin.rules.choices import GRADE_LABELS, RATED_GRADES
from sanxin.rules.scheme import COMPONENT_LABELS


def _version_rows(district, today):
    in_force = selectors.policy_in_force(district, today)
    rows = []
    for p in selectors.policy_versions(district):
        allowances = {a.grade: a.points for a in p.allowances.all()}
        rows.append(
            {
                "policy": p,
                "components": "、".join(COMPONENT_LABELS.get(c, c) for c in p.components),
                "allowances": [
                    (GRADE_LABELS[g], allowances[g]) for g in RATED_GRADES if g in allowances
                ],
                "in_force": p.pk == in_force.pk,
                "future": p.effective_from > today,
            }
        )
    return rows, in_force


@require_http_methods(["GET", "POST"])
@requires(Perm.SHOP_POLICY)
def policy(request: ScopedRequest):
    district = request.scope.regions(Perm.SHOP_POLICY).filter(level=Level.DISTRICT).first()
    if district is None:
        raise Http404
    today = timezone.localdate()
    form = PolicyForm(request.POST or None, initial={"effective_from": today})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            published = policy_publish(
                actor=request.user,
                district=district,
                effective_from=data["effective_from"],
                components=data["components"],
                min_grade=data["min_grade"],
                expiry_years=data["expiry_years"],
                notify_days_before=data["notify_days_before"],
                allowances=form.allowances(),
                note=data["note"] or "",
                today=today,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已发布积分兑换办法，%(day)s 起生效") % {"day": published.effective_from},
            )
            return redirect("rewards:policy")
    rows, in_force = _version_rows(district, today)
    return render(
        request,
        "rewards/policy.html",
        {"district": district, "form": form, "rows": rows, "in_force": in_force},
    )
