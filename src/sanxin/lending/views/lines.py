"""The credit officer's lines: the villages in reach (ready to grant, lines needing
attention), a village's eligible households and their lines, the bulk grant, a grant
with other terms or a decline, the acknowledgement of a change, the export for the
bank and the import of its decisions."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.households import pending_upload
from sanxin.households.upload_form import preview_page, upload_page
from sanxin.lending import bank_decisions, selectors
from sanxin.lending.forms import BankUploadForm, DeclineForm, GrantForm
from sanxin.lending.models import CreditLine
from sanxin.lending.services import lines as services
from sanxin.lib.export import XLSX_TYPE
from sanxin.lib.forms import apply_service_errors
from sanxin.regions.models import Region


def _villages(request: HttpRequest):
    return request.scope.villages(Perm.LENDING_MANAGE).select_related("parent").order_by("path")


def _village(request: HttpRequest, pk: int) -> Region:
    village = _villages(request).filter(pk=pk).first()
    if village is None:
        raise Http404
    return village


def _lines(request: HttpRequest):
    return request.scope.filter(CreditLine.objects, Perm.LENDING_MANAGE)


@require_GET
@requires(Perm.LENDING_MANAGE)
def index(request: HttpRequest) -> HttpResponse:
    summaries = selectors.village_summaries(_villages(request), _lines(request))
    return render(
        request,
        "lending/index.html",
        {
            "summaries": summaries,
            "ready": [s for s in summaries if s.ready],
            "attention": list(selectors.attention_lines(_lines(request))),
        },
    )


@require_GET
@requires(Perm.LENDING_MANAGE)
def village(request: HttpRequest, pk: int) -> HttpResponse:
    place = _village(request, pk)
    lines = services.village_lines(place)
    to_grant = lines.to_grant
    return render(
        request,
        "lending/village.html",
        {
            "village": place,
            "lines": lines,
            "to_grant": len(to_grant),
            "to_grant_total": sum(r.terms.line_amount for r in to_grant if r.terms),
            "eligible": sum(1 for r in lines.rows if r.eligible),
            "attention": list(selectors.attention_lines(_lines(request).filter(village=place))),
        },
    )


@require_POST
@requires(Perm.LENDING_MANAGE)
def grant_all(request: HttpRequest, pk: int) -> HttpResponse:
    place = _village(request, pk)
    try:
        outcome = services.credit_lines_grant_village(actor=request.user, village=place)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    except IntegrityError:
        messages.error(request, _("授信正在由他人办理，请刷新页面后查看。"))
    else:
        if outcome.granted:
            messages.success(
                request,
                _("已为%(village)s %(n)d 户授信，合计 %(total)s 元。")
                % {
                    "village": place.name,
                    "n": len(outcome.granted),
                    "total": services.money(outcome.total),
                },
            )
        else:
            messages.info(request, _("没有需要授信的农户：符合条件的农户都已授信或已作出决定。"))
        if outcome.recused:
            messages.warning(request, _("您本人的家庭没有授信，请由其他信贷员办理（回避）。"))
    return redirect("lending:village", pk=place.pk)


def _household_row(request: HttpRequest, pk: int):
    household = request.scope.get_household(pk, Perm.LENDING_MANAGE)
    lines = services.village_lines(household.village)
    row = next((r for r in lines.rows if r.household.pk == household.pk), None)
    return household, lines, row


@require_http_methods(["GET", "POST"])
@requires(Perm.LENDING_MANAGE)
def line_form(request: HttpRequest, pk: int) -> HttpResponse:
    """One household: grant with the policy's or other terms (with a reason), or decline."""
    household, lines, row = _household_row(request, pk)
    initial = {}
    if row is not None and row.terms is not None:
        initial = {"line_amount": row.terms.line_amount, "annual_rate": row.terms.annual_rate}
    grant = GrantForm(initial=initial)
    decline = DeclineForm()
    if request.method == "POST":
        grant = GrantForm(request.POST)
        if grant.is_valid():
            try:
                line = services.credit_line_grant(
                    actor=request.user,
                    household=household,
                    line_amount=grant.cleaned_data["line_amount"],
                    annual_rate=grant.cleaned_data["annual_rate"],
                    reason=grant.cleaned_data["reason"] or "",
                )
            except ValidationError as exc:
                apply_service_errors(grant, exc)
            except IntegrityError:
                grant.add_error(None, _("该户刚被他人授信，请刷新页面后查看。"))
            else:
                messages.success(
                    request,
                    _("已为 %(number)s 号户授信 %(amount)s 元，年利率 %(rate)s%%（%(ref)s）。")
                    % {
                        "number": household.number,
                        "amount": services.money(line.amount),
                        "rate": f"{line.annual_rate.normalize():f}",
                        "ref": line.reference,
                    },
                )
                return redirect("lending:village", pk=household.village_id)
    return render(
        request,
        "lending/line_form.html",
        {"household": household, "lines": lines, "row": row, "grant": grant, "decline": decline},
    )


@require_POST
@requires(Perm.LENDING_MANAGE)
def line_decline(request: HttpRequest, pk: int) -> HttpResponse:
    household, lines, row = _household_row(request, pk)
    decline = DeclineForm(request.POST)
    if decline.is_valid():
        try:
            services.credit_line_decline(
                actor=request.user, household=household, reason=decline.cleaned_data["reason"]
            )
        except ValidationError as exc:
            apply_service_errors(decline, exc)
        except IntegrityError:
            decline.add_error(None, _("该户刚被他人办理，请刷新页面后查看。"))
        else:
            messages.success(
                request, _("已记录对 %(number)s 号户不予授信。") % {"number": household.number}
            )
            return redirect("lending:village", pk=household.village_id)
    initial = {}
    if row is not None and row.terms is not None:
        initial = {"line_amount": row.terms.line_amount, "annual_rate": row.terms.annual_rate}
    return render(
        request,
        "lending/line_form.html",
        {
            "household": household,
            "lines": lines,
            "row": row,
            "grant": GrantForm(initial=initial),
            "decline": decline,
        },
    )


@require_POST
@requires(Perm.LENDING_MANAGE)
def acknowledge(request: HttpRequest, pk: int) -> HttpResponse:
    line = request.scope.get(
        CreditLine.objects.select_related("household__villager_group"), pk, Perm.LENDING_MANAGE
    )
    try:
        services.credit_line_acknowledge(actor=request.user, line=line)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        messages.success(
            request, _("已处理 %(number)s 号户的授信变动。") % {"number": line.household.number}
        )
    return redirect("lending:village", pk=line.village_id)


@require_GET
@requires(Perm.LENDING_MANAGE)
@rates.limited(rates.EXPORT)
def export(request: HttpRequest, pk: int) -> HttpResponse:
    place = _village(request, pk)
    content = bank_decisions.lines_export(actor=request.user, village=place)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    name = f"{place.name}授信名单-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Cache-Control"] = "no-store"
    return response


# --- the bank's decisions -----------------------------------------------------------------

IMPORT_PREVIEW = "lending/bank_preview.html"


def _imported(place: Region, result) -> tuple[str, str]:
    message = _(
        "已导入%(village)s信用社的决定：批准 %(a)d 户，不批准 %(d)d 户，无变化 %(u)d 户。"
    ) % {"village": place.name, "a": result.approved, "d": result.declined, "u": result.unchanged}
    return message, reverse("lending:village", args=[place.pk])


@require_http_methods(["GET", "POST"])
@requires(Perm.LENDING_MANAGE)
def bank_import(request: HttpRequest) -> HttpResponse:
    """GET: the upload form. POST: check the bank's file and show the preview."""

    def check(place: Region, upload, content: bytes) -> HttpResponse:
        sheet = bank_decisions.read_sheet(content, upload.name)
        result = bank_decisions.plan_bank_import(sheet, place, actor=request.user).result()
        token = None
        if result.ok and result.changes:
            token = bank_decisions.pending_bank_create(
                user=request.user, village=place, filename=upload.name, content=content
            ).token
        return preview_page(
            request,
            IMPORT_PREVIEW,
            village=place,
            filename=sheet.filename,
            result=result,
            token=token,
        )

    return upload_page(
        request,
        form_class=BankUploadForm,
        villages=_villages(request),
        template="lending/bank_import.html",
        check=check,
    )


@require_POST
@requires(Perm.LENDING_MANAGE)
def bank_import_confirm(request: HttpRequest, token: str) -> HttpResponse:
    return pending_upload.confirm_page(
        request,
        token,
        villages=_villages(request),
        prefix=bank_decisions.TOKEN_PREFIX,
        expired_message=_("预览已过期，请重新上传信用社返回的文件。"),
        upload_url=reverse("lending:bank_import"),
        apply=bank_decisions.pending_bank_confirm,
        preview=lambda **kw: preview_page(request, IMPORT_PREVIEW, **kw),
        done=_imported,
    )
