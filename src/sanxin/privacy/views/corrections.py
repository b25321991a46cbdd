"""Corrections: a household asks (its own data only), the committee of its village
answers; consent to publication, given or withdrawn by the household."""

import secrets

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households.models import Person
from sanxin.lib.forms import apply_service_errors
from sanxin.privacy import services
from sanxin.privacy.forms import AnswerForm, ConsentForm, CorrectionForm
from sanxin.privacy.models import CorrectionRequest, CorrectionStatus
from sanxin.privacy.views.mydata import own_household


@requires()
def correction_new(request, pk: int):
    household = own_household(request, pk)
    members = Person.objects.filter(household=household).order_by("-is_head", "pk")
    form = CorrectionForm(
        request.POST or None, members=members, initial={"key": secrets.token_hex(16)}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = members.filter(pk=data["person"]).first() if data["person"] else None
        try:
            services.correction_file(
                actor=request.user,
                household=household,
                field=data["field"],
                person=person,
                requested_value=data["requested_value"],
                reason=data["reason"],
                idempotency_key=data["key"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("更正申请已提交，评信团答复后会通知您。"))
            return redirect("mydata:household", household.pk)
    return render(request, "privacy/correction_new.html", {"household": household, "form": form})


@require_POST
@requires()
def consent(request, pk: int):
    household = own_household(request, pk)
    form = ConsentForm(request.POST)
    if form.is_valid():
        services.consent_record(
            actor=request.user,
            household=household,
            purpose=form.cleaned_data["purpose"],
            given=form.cleaned_data["given"],
        )
        messages.success(request, _("已记录。"))
    else:
        messages.error(request, _("请选择同意或不同意。"))
    return redirect("mydata:household", household.pk)


@requires(Perm.CHANGE_REGISTRY)
def correction_list(request):
    rows = request.scope.filter(
        CorrectionRequest.objects.select_related("household__village", "person", "answered_by"),
        Perm.CHANGE_REGISTRY,
    )
    pending = [r for r in rows.filter(status=CorrectionStatus.PENDING).order_by("filed_at")]
    answered = rows.exclude(status=CorrectionStatus.PENDING).order_by("-answered_at")[:100]
    return render(request, "privacy/corrections.html", {"pending": pending, "answered": answered})


@requires(Perm.CHANGE_REGISTRY)
def correction_answer(request, pk: int):
    item = request.scope.get(
        CorrectionRequest.objects.select_related("household__village", "person", "filed_by"),
        pk,
        Perm.CHANGE_REGISTRY,
    )
    form = AnswerForm(request.POST or None, initial={"value": item.requested_value})
    if request.method == "POST" and item.status != CorrectionStatus.PENDING:
        messages.info(request, _("该申请已经答复过了。"))
        return redirect("mydata:corrections")
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.correction_answer(
                actor=request.user,
                request=item,
                accept=data["decision"] == "accept",
                answer=data["answer"],
                value=data["value"] or None,
            )
        except PermissionDenied as exc:
            form.add_error(None, str(exc) or _("无权答复该更正申请"))
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已答复，并已通知该户。"))
            return redirect("mydata:corrections")
    return render(request, "privacy/correction_answer.html", {"item": item, "form": form})
