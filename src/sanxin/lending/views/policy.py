"""The credit policy by grade: its versions and, for the credit officer bound to the
district, the form to publish a new one."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.lending import selectors
from sanxin.lending.forms import PolicyForm
from sanxin.lending.models import STANDARD_LINE, STANDARD_RATE
from sanxin.lending.services.policy import credit_policy_publish, default_terms, may_publish
from sanxin.lib.forms import apply_service_errors
from sanxin.regions.models import Region
from sanxin.rules.choices import GRADE_LABELS, GRADES


def _districts(request: HttpRequest) -> list[Region]:
    ids = {
        Region.ids_in_path(g.region_path)[0]
        for g in request.scope.grants_for(Perm.LENDING_POLICY)
        if g.region_path
    }
    return list(Region.objects.filter(pk__in=ids).order_by("path"))


def _initial(policy) -> dict:
    terms = selectors.policy_terms(policy) if policy else default_terms()
    initial = {
        "effective_from": timezone.localdate(),
        "standard_line": policy.standard_line if policy else STANDARD_LINE,
        "standard_rate": policy.standard_rate if policy else STANDARD_RATE,
    }
    for grade, t in terms.items():
        initial[f"line_{grade}"] = t.line_amount
        initial[f"rate_{grade}"] = t.annual_rate
    return initial


@require_http_methods(["GET", "POST"])
@requires(Perm.LENDING_POLICY)
def policy(request: HttpRequest) -> HttpResponse:
    districts = _districts(request)
    if not districts:
        raise Http404
    chosen = request.GET.get("district", "")
    district = next((d for d in districts if str(d.pk) == chosen), districts[0])
    publisher = may_publish(request.user, district)
    today = timezone.localdate()
    in_force = selectors.policy_in_force(district, today)
    form = None
    if request.method == "POST":
        if not publisher:
            raise PermissionDenied
        form = PolicyForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                version = credit_policy_publish(
                    actor=request.user,
                    district=district,
                    effective_from=data["effective_from"],
                    grades=form.grades(),
                    standard_line=data["standard_line"],
                    standard_rate=data["standard_rate"],
                    note=data["note"] or "",
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("已发布%(district)s授信政策第 %(v)d 版，自 %(date)s 起生效。")
                    % {
                        "district": district.name,
                        "v": version.version,
                        "date": version.effective_from.isoformat(),
                    },
                )
                return redirect(f"{request.path}?district={district.pk}")
    elif publisher:
        form = PolicyForm(initial=_initial(in_force))
    versions = [
        (v, [(GRADE_LABELS[g], selectors.policy_terms(v).get(g)) for g in reversed(GRADES)])
        for v in selectors.policies_of(district.pk)
    ]
    return render(
        request,
        "lending/policy.html",
        {
            "district": district,
            "districts": districts,
            "versions": versions,
            "in_force": in_force,
            "form": form,
            "today": today,
        },
    )
