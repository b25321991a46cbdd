"""The shop counter (收银台), phone-first: find a household (户号, name, or its QR
card, which rw-card's `/shop/c/<token>/` turns into `counter_household`), see its
panel (masked head name, grade in force, balance, whether and what it may redeem),
redeem, print the receipt; today's list; voids (same day by the clerk, later confirmed
by a committee member); paper slips entered afterwards; the receipt the household sees
on its phone. Thin views: the rules live in `rewards.services`, the reads in
`rewards.counter`."""

from __future__ import annotations

import uuid
from decimal import Decimal

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sanxin.accounts import rates
from sanxin.accounts.decorators import requires
from sanxin.accounts.scope import Perm
from sanxin.lib.forms import apply_service_errors, id_or_none
from sanxin.rewards import counter
from sanxin.rewards.choices import RedemptionSource, RequestState
from sanxin.rewards.counter_forms import (
    RedeemForm,
    SearchForm,
    SlipFormSet,
    VoidDecisionForm,
    VoidForm,
)
from sanxin.rewards.eligibility import redemption_eligibility
from sanxin.rewards.models import Redemption, VoidRequest
from sanxin.rewards.receipts import points_text, receipt_58mm_pdf, receipt_a6_pdf
from sanxin.rewards.selectors import wallet_balance
from sanxin.rewards.services import redemptions as services

# --- finding the household --------------------------------------------------------


@require_GET
@requires(Perm.SHOP_REDEEM)
def counter_home(request):
    """The clerk's counter: the search by 户号 or name; an HTMX request gets the
    results only. A 户号 that names exactly one household opens it at once."""
    shops = list(counter.clerk_shops(request.scope))
    form = SearchForm(request.GET or None)
    found: list = []
    query = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        households = counter.served_households(request.scope, shops)
        found = counter.find_households(households, query)
        exact = [h for h in found if h.number == "".join(query.split())]
        if len(exact) == 1 and not request.htmx:
            return redirect("rewards:counter_household", exact[0].pk)
    context = {
        "shops": shops,
        "form": form,
        "query": query,
        "found": [(h, counter.masked_head(h)) for h in found],
    }
    if request.htmx:
        return render(request, "rewards/counter/_search_results.html", context)
    return render(request, "rewards/counter/home.html", context)


def _served_household(request, household_id):
    """(household, shop, serving): a household in the clerk's reach that one of their
    open shops serves, the shop to redeem at (`shop` asked for, else the village's
    own) and every such shop; 404 when none serves it. Two queries."""
    scope = request.scope
    households = scope.households(Perm.SHOP_REDEEM).select_related("village", "villager_group")
    household = scope.get(households, household_id, Perm.SHOP_REDEEM)
    serving = counter.serving_shops(scope, household)
    if not serving:
        raise Http404
    wanted = request.POST.get("shop") or request.GET.get("shop")
    shop = next((s for s in serving if str(s.pk) == wanted), serving[0])
    return household, shop, serving


# --- the household panel and the redemption -----------------------------------------


def counter_confirms(request) -> bool:
    """A redemption confirmed (what SANXIN_REDEMPTIONS_PER_MINUTE counts; looking at
    the panel, reviewing the basket and going back to it are not counted)."""
    return request.method == "POST" and request.POST.get("step") == "confirm"


def paper_batch_sent(request) -> bool:
    """A batch of paper slips sent to be recorded (adding an empty slip is not)."""
    return request.method == "POST" and "add" not in request.POST


@requires(Perm.SHOP_REDEEM)
@rates.limited(rates.REDEEM, when=counter_confirms)
def counter_household(request, household_id):
    """The household's panel and the redemption form. POST `step=review` shows the
    lines, total and balance after for the clerk to check; `step=confirm` redeems
    (once per idempotency key: a double tap or a resent request shows the same
    receipt); `step=edit` goes back to the form with what was typed. A confirmation
    goes straight to the service (which applies the gate, limits, stock and balance
    itself); the panel is computed only for a page to show."""
    household, shop, serving = _served_household(request, household_id)
    members = counter.collectors(household)
    collectors = [(p.pk, counter.collector_label(p)) for p in members]
    data = request.POST if request.method == "POST" else None
    step = request.POST.get("step", "") if data is not None else ""
    products = list(shop.products.filter(active=True).order_by("sort_order", "name"))
    form = RedeemForm(
        data,
        products=products,
        collectors=collectors,
        initial={"idempotency_key": uuid.uuid4().hex},
    )
    if step == "confirm" and form.is_valid():
        chosen = form.cleaned_data["collected_by"]
        try:
            redemption = services.redemption_create(
                actor=request.user,
                shop=shop,
                household=household,
                lines=[services.Line(product=p, quantity=q) for p, q in form.lines()],
                collected_by=next(p for p in members if p.pk == chosen),
                idempotency_key=form.cleaned_data["idempotency_key"],
                source=RedemptionSource.COUNTER,
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("兑换成功，凭证号 %(n)s。") % {"n": redemption.number})
            return redirect("rewards:receipt", redemption.pk)
    eligibility = redemption_eligibility(household, shop, timezone.localdate())
    for check in eligibility.products:
        if not check.allowed and f"qty_{check.product.pk}" in form.fields:
            # out of stock, limit used up, grade too low: said beside it
            form.fields[f"qty_{check.product.pk}"].disabled = True
    context = {
        "household": household,
        "head": counter.masked_head(household),
        "shop": shop,
        "serving": serving,
        "eligibility": eligibility,
        "form": form,
    }
    if step == "review" and eligibility.open and form.is_valid() and _fits(form, eligibility):
        lines = [(p, q, p.price_points * q) for p, q in form.lines()]
        total = sum((points for _p, _q, points in lines), Decimal(0))
        context["review"] = {
            "lines": lines,
            "total": total,
            "balance_after": eligibility.spendable - total,
            "collector": dict(collectors).get(form.cleaned_data["collected_by"]),
        }
        return render(request, "rewards/counter/confirm.html", context)
    if step == "edit":
        form.errors.clear()  # back to the form as typed, without complaints
    return render(request, "rewards/counter/household.html", context)


def _fits(form: RedeemForm, eligibility) -> bool:
    """Before the clerk reviews the basket: each quantity within what the product's
    limit leaves and its stock, the total within the spendable points (the service
    checks all of it again when confirmed). False, with the errors on the form."""
    total = Decimal(0)
    for product, quantity in form.lines():
        check = eligibility.product(product.pk)
        field = f"qty_{product.pk}"
        if check.limit_left is not None and quantity > check.limit_left:
            form.add_error(
                field,
                _("超过限兑：本期还可兑 %(n)s %(u)s。")
                % {"n": check.limit_left, "u": product.unit},
            )
        elif quantity > product.stock_quantity:
            form.add_error(
                field,
                _("库存不足：只有 %(n)s %(u)s。")
                % {"n": product.stock_quantity, "u": product.unit},
            )
        total += product.price_points * quantity
    if total > eligibility.spendable:
        form.add_error(
            None,
            _("积分不足：本次需要 %(t)s 分，可用 %(s)s 分。")
            % {"t": points_text(total), "s": points_text(eligibility.spendable)},
        )
    return not form.errors


# --- receipts -----------------------------------------------------------------------


def _receipt(request, pk) -> Redemption:
    """A redemption the user may see (the household's own villagers; staff who see
    its shop's redemptions), else 404."""
    queryset = counter.redemptions_for_receipt(
        request.scope.filter(Redemption.objects, Perm.SHOP_VIEW)
    )
    return request.scope.get(queryset, pk, Perm.SHOP_VIEW)


def _receipt_url(request, redemption) -> str:
    return request.build_absolute_uri(reverse("rewards:receipt", args=[redemption.pk]))


@require_GET
@requires(Perm.SHOP_VIEW)
def receipt(request, pk):
    """The receipt page: the clerk after a sale (with print, PDFs, void), the
    committee, and the household on its phone."""
    redemption = _receipt(request, pk)
    doc = counter.receipt_doc(redemption, url=_receipt_url(request, redemption))
    scope = request.scope
    at_counter = redemption.shop in counter.clerk_shops(scope)
    voided = counter.is_voided(redemption)
    pending = None
    if not voided:
        pending = redemption.void_requests.filter(state=RequestState.PENDING).first()
    own = redemption.household_id in scope.own_household_ids()
    context = {
        "redemption": redemption,
        "receipt": doc,
        "current_balance": wallet_balance(redemption.household_id) if own else None,
        "at_counter": at_counter,
        "voided": voided,
        "void": redemption.void if voided else None,
        "pending": pending,
        # The clerk voids at once on the day the sale was recorded; later it is a request.
        "same_day": timezone.localdate(redemption.created_at) == timezone.localdate(),
        "void_form": VoidForm() if at_counter and not voided and not pending else None,
        "own": own,
        "can_confirm": pending is not None
        and scope.covers_household(redemption.household, Perm.SHOP_CONFIRM_VOID),
    }
    return render(request, "rewards/counter/receipt.html", context)


@require_GET
@requires(Perm.SHOP_VIEW)
def receipt_print(request, pk):
    """The receipt alone, to print on a 58 mm thermal printer from the browser."""
    redemption = _receipt(request, pk)
    doc = counter.receipt_doc(redemption)
    return render(
        request,
        "rewards/counter/receipt_print.html",
        {"receipt": doc, "back_url": reverse("rewards:receipt", args=[redemption.pk])},
    )


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(False, filename)
    return response


@require_GET
@requires(Perm.SHOP_VIEW)
def receipt_a6(request, pk):
    redemption = _receipt(request, pk)
    doc = counter.receipt_doc(redemption, url=_receipt_url(request, redemption))
    return _pdf(receipt_a6_pdf(doc), f"兑换凭证-{redemption.number}.pdf")


@require_GET
@requires(Perm.SHOP_VIEW)
def receipt_58mm(request, pk):
    redemption = _receipt(request, pk)
    doc = counter.receipt_doc(redemption, url=_receipt_url(request, redemption))
    return _pdf(receipt_58mm_pdf(doc), f"兑换小票-{redemption.number}.pdf")


# --- today's list -------------------------------------------------------------------


@require_GET
@requires(Perm.SHOP_REDEEM)
def counter_today(request):
    """The redemptions of the clerk's shops recorded today, latest first."""
    shops = list(counter.clerk_shops(request.scope))
    today = timezone.localdate()
    rows = counter.todays_redemptions(shops, today)
    return render(
        request,
        "rewards/counter/today.html",
        {
            "shops": shops,
            "today": today,
            "rows": [(r, counter.masked_head(r.household)) for r in rows],
            "total": sum((r.total_points for r in rows if not counter.is_voided(r)), 0),
        },
    )


# --- voids --------------------------------------------------------------------------


@require_POST
@requires(Perm.SHOP_REDEEM)
def counter_void(request, pk):
    """Void a redemption: on the day of the sale at once, later as a request that a
    committee member confirms. Either way the receipt page says what happened."""
    shops = list(counter.clerk_shops(request.scope))
    queryset = request.scope.filter(Redemption.objects, Perm.SHOP_REDEEM).filter(shop__in=shops)
    redemption = request.scope.get(queryset, pk, Perm.SHOP_REDEEM)
    form = VoidForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请写明作废原因。"))
        return redirect("rewards:receipt", redemption.pk)
    try:
        result = services.redemption_void(
            actor=request.user, redemption=redemption, reason=form.cleaned_data["reason"]
        )
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    else:
        if isinstance(result, VoidRequest):
            messages.success(request, _("已提交作废申请，评信团成员确认后积分和商品才退回。"))
        else:
            messages.success(request, _("已作废：积分已退回该户，商品已退回库存。"))
    return redirect("rewards:receipt", redemption.pk)


def _void_requests(request):
    return request.scope.filter(VoidRequest.objects, Perm.SHOP_CONFIRM_VOID).select_related(
        "redemption__household__village", "redemption__shop", "requested_by", "decided_by"
    )


@require_GET
@requires(Perm.SHOP_CONFIRM_VOID)
def void_requests(request):
    """The committee's list of void requests, pending first."""
    pending = list(_void_requests(request).filter(state=RequestState.PENDING))
    decided = list(_void_requests(request).exclude(state=RequestState.PENDING)[:30])
    return render(
        request,
        "rewards/counter/void_requests.html",
        {
            "pending": [(r, counter.masked_head(r.redemption.household)) for r in pending],
            "decided": [(r, counter.masked_head(r.redemption.household)) for r in decided],
        },
    )


@requires(Perm.SHOP_CONFIRM_VOID)
def void_decide(request, pk):
    """One void request: the receipt, the reversing rows confirming it would write
    (points back to the household, each product back to stock), and the decision.
    The requester cannot decide their own request."""
    void_request = request.scope.get(_void_requests(request), pk, Perm.SHOP_CONFIRM_VOID)
    redemption = counter.redemptions_for_receipt(Redemption.objects).get(
        pk=void_request.redemption_id
    )
    form = VoidDecisionForm(request.POST or None)
    own_request = void_request.requested_by_id == request.user.pk
    if request.method == "POST" and form.is_valid():
        try:
            services.void_confirm(
                actor=request.user,
                request=void_request,
                approve=form.cleaned_data["decision"] == "approve",
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            if form.cleaned_data["decision"] == "approve":
                messages.success(request, _("已同意作废：积分已退回该户，商品已退回库存。"))
            else:
                messages.success(request, _("已驳回作废申请，该笔兑换保持有效。"))
            return redirect("rewards:void_requests")
    return render(
        request,
        "rewards/counter/void_decide.html",
        {
            "void_request": void_request,
            "redemption": redemption,
            "receipt": counter.receipt_doc(redemption),
            "reversal": counter.reversing_rows(redemption),
            "form": form,
            "own_request": own_request,
        },
    )


# --- paper slips --------------------------------------------------------------------


@requires(Perm.SHOP_REDEEM)
@rates.limited(rates.REDEEM, when=paper_batch_sent)
def counter_paper(request):
    """Paper slips (纸质兑换单) written when the counter had no network, entered
    afterwards as one batch with their real dates and times: all are recorded or
    none, with the errors named per slip and field. `add` adds an empty slip."""
    shops = list(counter.clerk_shops(request.scope))
    if not shops:
        return redirect("rewards:counter")
    wanted = request.POST.get("shop") or request.GET.get("shop")
    shop = next((s for s in shops if str(s.pk) == wanted), shops[0])
    products = list(shop.products.filter(active=True).order_by("sort_order", "name"))
    today = timezone.localdate()
    data = request.POST.copy() if request.method == "POST" else None
    adding = data is not None and "add" in data
    if adding:
        count = data.get("form-TOTAL_FORMS", "")
        total = id_or_none(count) or 0
        data["form-TOTAL_FORMS"] = str(min(total + 1, SlipFormSet.max_num))
    formset = SlipFormSet(data, products=products, today=today)
    batch_errors: list[str] = []
    if data is not None and not adding:
        valid = formset.is_valid()
        slips = _slips(request, shop, formset)  # names unknown households and collectors too
        if valid and slips is not None:
            try:
                recorded = services.paper_batch_redeem(actor=request.user, shop=shop, slips=slips)
            except services.SlipErrors as exc:
                batch_errors = _put_slip_errors(formset, exc.by_slip)
            except ValidationError as exc:
                batch_errors = exc.messages
            else:
                messages.success(
                    request,
                    _("已补录 %(n)d 张纸质单据，凭证号：%(numbers)s。")
                    % {"n": len(recorded), "numbers": "、".join(r.number for r in recorded)},
                )
                return redirect("rewards:counter_today")
    return render(
        request,
        "rewards/counter/paper.html",
        {
            "shops": shops,
            "shop": shop,
            "formset": formset,
            "batch_errors": batch_errors,
            "failed": data is not None
            and not adding
            and (bool(batch_errors) or formset.total_error_count() > 0),
            "hide_errors": adding,
            "today": today,
        },
    )


def _slips(request, shop, formset) -> list[services.PaperSlip] | None:
    """The filled slips as the service takes them: the household found by 户号 among
    those the shop serves, the collector by the name on the slip (the head when
    empty). None when a slip has an error (these are put on its fields)."""
    households = counter.served_households(request.scope, [shop]).select_related(
        "village", "villager_group"
    )
    slips = []
    for _index, form in formset.filled_forms():
        cd = getattr(form, "cleaned_data", {})
        household = collector = None
        if "household_number" in cd:
            found = list(households.filter(number=cd["household_number"]))
            if len(found) == 1:
                household = found[0]
            else:
                form.add_error(
                    "household_number",
                    _("本超市服务的村里没有这个户号。")
                    if not found
                    else _("几个村都有这个户号，请到收银台逐户办理。"),
                )
        if household is not None and "collector_name" in cd:
            collector = counter.collector_named(household, cd["collector_name"])
            if collector is None:
                form.add_error(
                    "collector_name", _("该户在户成员中没有这个名字，请核对单据上的签名。")
                )
        if form.errors or household is None or collector is None:
            continue
        slips.append(
            services.PaperSlip(
                number=cd["slip_number"],
                household=household,
                collected_by=collector,
                occurred_at=cd["occurred_at"],
                lines=[services.Line(product=p, quantity=q) for p, q in form.lines()],
            )
        )
    if any(form.errors for _index, form in formset.filled_forms()):
        return None
    return slips


SLIP_FIELDS = {
    "number": "slip_number",
    "household": "household_number",
    "collected_by": "collector_name",
    "occurred_at": "occurred_time",
}


def _put_slip_errors(formset, by_slip: dict[str, dict[str, list[str]]]) -> list[str]:
    """The service's errors, per slip number, onto the slip's form and field; those
    of no slip of the page are returned, for the top of the page."""
    forms_by_number = {f.cleaned_data["slip_number"]: f for _i, f in formset.filled_forms()}
    rest: list[str] = []
    for number, fields in by_slip.items():
        form = forms_by_number.get(number)
        for name, texts in fields.items():
            target = SLIP_FIELDS.get(name)
            for text in texts:
                if form is None:
                    rest.append(f"{number}：{text}")
                else:
                    form.add_error(target if target in form.fields else None, text)
    return rest
