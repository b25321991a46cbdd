"""The household's vetoes and direct gradings: list, decide, revoke."""

from __future__ import annotations

import uuid

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Field, Perm
from sanxin.ledger.models import VetoEvent
from sanxin.ledger.submissions import submit_once
from sanxin.lib.forms import DateInput, apply_service_errors
from sanxin.lib.text import TextField, clean_line
from sanxin.ratings.services import vetoes
from sanxin.rules.scheme import GRADE_LABELS, VETO_KIND_LABELS
from sanxin.rules.selectors import scheme_for_village


class VetoForm(forms.Form):
    rule_code = forms.ChoiceField(label=gettext_lazy("事由（方案中的一票否决、直接判级规则）"))
    starts_on = forms.DateField(
        label=gettext_lazy("起始日期（事实发生或认定之日）"),
        widget=DateInput(),
    )
    evidence_text = TextField(
        label=gettext_lazy("事实与依据"), widget=forms.Textarea(attrs={"rows": 3})
    )
    # A double submit records one event (see ledger.submissions).
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=40, required=False)

    def __init__(self, *args, rules, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["rule_code"].choices = [
            (
                r.code,
                f"{r.name}（{VETO_KIND_LABELS[r.kind]}：最高{GRADE_LABELS[r.cap_grade]}，{r.days}天）",
            )
            for r in rules
        ]


@requires(Perm.VIEW_REGISTRY)
def household_vetoes(request, pk: int):
    household = request.scope.get_household(pk)
    request.scope.require(Field.POINTS, household)
    can_decide = request.scope.covers_household(household, Perm.DECIDE_VETOES)
    today = timezone.localdate()
    version = scheme_for_village(household.village, today)
    form = None
    if can_decide and version is not None:
        initial = {"starts_on": today, "idempotency_key": uuid.uuid4().hex}
        # A proposal from another page (an overdue loan) opens the form prefilled with
        # the rule and the facts; the decider still checks and confirms them.
        if request.GET.get("rule") in {r.code for r in version.scheme.veto_rules}:
            initial["rule_code"] = request.GET["rule"]
        if evidence := request.GET.get("evidence", "").strip()[:500]:
            initial["evidence_text"] = evidence
        form = VetoForm(request.POST or None, rules=version.scheme.veto_rules, initial=initial)
        if request.method == "POST" and form.is_valid():
            fields = dict(form.cleaned_data)
            key = fields.pop("idempotency_key")
            try:
                submit_once(
                    actor=request.user,
                    kind="veto.record",
                    key=key,
                    content={"household": household.pk, **fields},
                    perform=lambda: [
                        vetoes.veto_record(actor=request.user, household=household, **fields).pk
                    ],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已认定，该户等级立即按规则封顶，并记入审计日志。"))
                return redirect("points:vetoes", household.pk)
    elif request.method == "POST":
        raise PermissionDenied
    events = list(household.veto_events.select_related("recorded_by").order_by("-starts_on", "-id"))
    revoked = {e.revokes_id for e in events if e.revokes_id}
    rows = [
        {
            "event": e,
            "revoked": e.pk in revoked,
            "cap_label": GRADE_LABELS[e.cap_grade],
            "kind_label": VETO_KIND_LABELS.get(e.kind, e.kind),
            "active": e.revokes_id is None
            and e.pk not in revoked
            and e.starts_on <= today
            and (e.ends_on is None or today <= e.ends_on),
        }
        for e in events
    ]
    return render(
        request,
        "ledger/vetoes.html",
        {"household": household, "rows": rows, "form": form, "can_decide": can_decide},
    )


@require_POST
@requires(Perm.VIEW_REGISTRY)
def veto_revoke(request, pk: int):
    event = (
        VetoEvent.objects.filter(pk=pk, household__in=request.scope.households())
        .select_related("household__villager_group")
        .first()
    )
    if event is None:
        raise Http404
    try:
        reason = clean_line(request.POST.get("reason", ""), _("撤销原因"))
        vetoes.veto_revoke(actor=request.user, event=event, reason=reason)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(request, _("已撤销该认定。"))
    return redirect("points:vetoes", event.household_id)
