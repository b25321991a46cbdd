"""The audit-log page: every governance action of the admin's district, in words
(oversight/words.py), filtered from lists (action, user, village, date range), and the
filtered rows as an Excel file."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from django import forms
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.audit.models import AuditEvent
from sanxin.lib.export import XLSX_TYPE, table_xlsx
from sanxin.lib.forms import DateInput
from sanxin.oversight import words

PAGE_SIZE = 50
EXPORT_LIMIT = 50_000


class AuditFilterForm(forms.Form):
    action = forms.ChoiceField(label=gettext_lazy("操作"), required=False)
    actor = forms.TypedChoiceField(
        label=gettext_lazy("操作人"), required=False, coerce=int, empty_value=None
    )
    village = forms.TypedChoiceField(
        label=gettext_lazy("村"), required=False, coerce=int, empty_value=None
    )
    since = forms.DateField(
        label=gettext_lazy("日期从"),
        required=False,
        widget=DateInput(),
    )
    until = forms.DateField(
        label=gettext_lazy("至"),
        required=False,
        widget=DateInput(),
    )

    def __init__(self, data, *, events, villages):
        super().__init__(data)
        everything = ("", _("全部"))
        present = set(events.order_by().values_list("action", flat=True).distinct())
        self.fields["action"].choices = [
            everything,
            *sorted(((a, words.action_label(a)) for a in present), key=lambda c: c[1]),
        ]
        actors = (
            events.exclude(actor=None).order_by().values_list("actor_id", "actor_name").distinct()
        )
        names: dict[int, str] = {}
        for pk, name in actors:
            names.setdefault(pk, name)
        self.fields["actor"].choices = [
            everything,
            *sorted(names.items(), key=lambda c: c[1]),
        ]
        self.villages = {v.pk: v for v in villages}
        self.fields["village"].choices = [
            everything,
            *((v.pk, f"{v.parent.name} {v.name}") for v in self.villages.values()),
        ]

    def apply(self, events):
        if not self.is_valid():
            return events.none()
        cd = self.cleaned_data
        if cd["action"]:
            events = events.filter(action=cd["action"])
        if cd["actor"]:
            events = events.filter(actor_id=cd["actor"])
        if cd["village"]:
            events = events.filter(region_path__startswith=self.villages[cd["village"]].path)
        tz = timezone.get_current_timezone()
        if cd["since"]:
            events = events.filter(at__gte=datetime.combine(cd["since"], time.min, tzinfo=tz))
        if cd["until"]:
            end = datetime.combine(cd["until"] + timedelta(days=1), time.min, tzinfo=tz)
            events = events.filter(at__lt=end)
        return events


def _filtered(request):
    scope = request.scope
    events = scope.filter(AuditEvent.objects, Perm.VIEW_AUDIT)
    villages = scope.villages(Perm.VIEW_AUDIT).select_related("parent").order_by("path")
    form = AuditFilterForm(request.GET or None, events=events, villages=villages)
    if request.GET:
        events = form.apply(events)
    return form, events.order_by("-at", "-id")


def _row(e: AuditEvent) -> dict:
    return {
        "event": e,
        "action": words.action_label(e.action),
        "changes": words.changes(e.before, e.after),
    }


@requires(Perm.VIEW_AUDIT)
def audit_log(request):
    form, events = _filtered(request)
    page = Paginator(events, PAGE_SIZE).get_page(request.GET.get("page"))
    query = {k: v for k, v in request.GET.items() if k != "page" and v}
    return render(
        request,
        "oversight/audit_log.html",
        {
            "form": form,
            "page": page,
            "rows": [_row(e) for e in page],
            "filters": urlencode(query),
        },
    )


@requires(Perm.VIEW_AUDIT)
@rates.limited(rates.EXPORT)
def audit_export(request):
    """What the page shows under the same filters, as .xlsx (text never a formula)."""
    _form, events = _filtered(request)
    rows = (
        [
            timezone.localtime(e.at).replace(tzinfo=None),
            e.actor_name,
            words.action_label(e.action),
            e.object_repr,
            "\n".join(words.changes(e.before, e.after)),
            e.ip_address or "",
        ]
        for e in events[:EXPORT_LIMIT].iterator(chunk_size=2000)
    )
    content = table_xlsx(
        sheet=_("审计日志"),
        headers=[_("时间"), _("操作人"), _("操作"), _("对象"), _("内容"), "IP"],
        rows=rows,
        widths=[20, 14, 20, 30, 60, 16],
    )
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=True, filename=_("审计日志.xlsx")
    )
    return response
