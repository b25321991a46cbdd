"""The shop staff's pages: shops side by side with their month, a shop and its
catalogue, stock (receipts, adjustments waiting for a second person, stocktakes),
funding, the monthly report and its Excel exports.

Every page fetches the shop through the user's scope with Perm.SHOP_VIEW (a shop
outside it is 404) and needs a region grant (a villager's own-household grant shows
no shop's books: 403); forms need Perm.SHOP_MANAGE (shops, products, money) or
Perm.SHOP_STOCK (stock) over the shop's region (403 otherwise), and the services
check again."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from sanxin.accounts import rates
from sanxin.accounts.decorators import ScopedRequest, requires
from sanxin.accounts.scope import Perm, Scope
from sanxin.audit.services import audit
from sanxin.lib import photos
from sanxin.lib.export import XLSX_TYPE, Sheet, workbook_xlsx
from sanxin.lib.forms import apply_service_errors
from sanxin.lib.text import clean_line
from sanxin.ratings.notice import mask_name
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards import reports, shop_figures
from sanxin.rewards.choices import RequestState, StockKind
from sanxin.rewards.models import (
    FundingReceipt,
    FundingSource,
    Product,
    Shop,
    StockAdjustment,
    Stocktake,
)
from sanxin.rewards.services import funding, shops, stock
from sanxin.rewards.shop_forms import (
    AdjustForm,
    FundingReceiptForm,
    ProductForm,
    ReceiveForm,
    ShopForm,
    SourceForm,
    StocktakeForm,
)
from sanxin.rules.choices import GRADE_LABELS

# --- access ---------------------------------------------------------------------------


def _require_staff(scope: Scope) -> None:
    """The books of a shop are for staff: a region grant holding SHOP_VIEW."""
    if not any(g.region_path for g in scope.grants_for(Perm.SHOP_VIEW)):
        raise PermissionDenied


def _shop(request: ScopedRequest, pk: int) -> Shop:
    _require_staff(request.scope)
    return request.scope.get(Shop.objects.select_related("region"), pk, Perm.SHOP_VIEW)


def _require(request: ScopedRequest, shop: Shop, perm: Perm) -> None:
    if not request.scope.covers_region(shop.region, perm):
        raise PermissionDenied


def _month(request) -> date:
    return shop_figures.parse_month(request.GET.get("month"), timezone.localdate())


def _months(current: date) -> dict[str, Any]:
    """The month shown and its neighbours, for the month switcher."""
    previous = (current.replace(day=1) - timedelta(days=1)).replace(day=1)
    following = reports.next_month(current)
    this_month = reports.month_start(timezone.localdate())
    return {
        "month": current,
        "month_value": f"{current:%Y-%m}",
        "previous_month": f"{previous:%Y-%m}",
        "next_month": f"{following:%Y-%m}" if following <= this_month else "",
    }


def _may(request: ScopedRequest, shop: Shop) -> dict[str, bool]:
    return {
        "may_manage": request.scope.covers_region(shop.region, Perm.SHOP_MANAGE),
        "may_stock": request.scope.covers_region(shop.region, Perm.SHOP_STOCK),
    }


# --- shops ------------------------------------------------------------------------------


@require_GET
@requires(Perm.SHOP_VIEW)
def shop_list(request: ScopedRequest):
    """The shops in reach side by side, with the month's figures. A fixed number of
    queries whatever the number of shops."""
    _require_staff(request.scope)
    month = _month(request)
    shops_in_reach = list(
        request.scope.filter(Shop.objects, Perm.SHOP_VIEW)
        .select_related("region__parent")
        .prefetch_related("villages")
        .order_by("region__path", "name")
    )
    rows = shop_figures.shops_month(shops_in_reach, month)
    coverage = shop_figures.coverage_many(shops_in_reach, month)
    totals = {
        "money_in": sum((r.totals.money_in for r in rows), reports.NO_YUAN),
        "goods_cost": sum((r.totals.goods_cost for r in rows), reports.NO_YUAN),
        "funding_balance": sum((r.totals.funding_balance for r in rows), reports.NO_YUAN),
        "stock_value": sum((r.totals.stock_value for r in rows), reports.NO_YUAN),
        "points": sum((r.redemptions.points_net for r in rows), Decimal(0)),
        "count": sum(r.redemptions.count for r in rows),
        "eligible": sum(c.eligible for c in coverage.values()),
        "served": sum(c.served for c in coverage.values()),
    }
    return render(
        request,
        "rewards/shop/list.html",
        {
            "rows": [(r, coverage[r.shop.pk]) for r in rows],
            "totals": totals,
            "may_open": request.scope.has(Perm.SHOP_MANAGE),
            **_months(month),
        },
    )


def _manageable_regions(scope: Scope):
    return scope.regions(Perm.SHOP_MANAGE).filter(level__in=[Level.VILLAGE, Level.TOWN])


@requires(Perm.SHOP_MANAGE)
def shop_new(request: ScopedRequest):
    regions = _manageable_regions(request.scope).select_related("parent").order_by("path")
    villages = request.scope.villages(Perm.SHOP_MANAGE).order_by("path")
    form = ShopForm(request.POST or None, regions=regions, villages=villages)
    if request.method == "POST" and form.is_valid():
        try:
            shop = shops.shop_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("积分超市已建立。下一步：添加商品和资金来源。"))
            return redirect("rewards:shop", shop.pk)
    return render(request, "rewards/shop/shop_form.html", {"form": form, "shop": None})


@requires(Perm.SHOP_VIEW)
def shop_edit(request: ScopedRequest, pk: int):
    shop = _shop(request, pk)
    _require(request, shop, Perm.SHOP_MANAGE)
    villages = Region.objects.filter(level=Level.VILLAGE, path__startswith=shop.region.path)
    form = ShopForm(
        request.POST or None,
        regions=Region.objects.none(),
        villages=villages.order_by("path"),
        editing=True,
        initial={
            "name": shop.name,
            "address": shop.address,
            "active": shop.active,
            "villages": list(shop.villages.all()),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            shops.shop_update(actor=request.user, shop=shop, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("rewards:shop", shop.pk)
    return render(request, "rewards/shop/shop_form.html", {"form": form, "shop": shop})


@require_GET
@requires(Perm.SHOP_VIEW)
def shop_detail(request: ScopedRequest, pk: int):
    """A shop: this month in figures, its catalogue with stock, what waits for a
    second person."""
    shop = _shop(request, pk)
    month = reports.month_start(timezone.localdate())
    (figures,) = shop_figures.shops_month([shop], month)
    products = list(
        shop.products.annotate(photo_count=Count("photos")).order_by("sort_order", "name")
    )
    pending = shop.products.aggregate(
        n=Count("adjustments", filter=Q(adjustments__state=RequestState.PENDING))
    )["n"]
    return render(
        request,
        "rewards/shop/detail.html",
        {
            "shop": shop,
            "villages": list(shop.villages.order_by("path")),
            "figures": figures,
            "products": products,
            "pending": pending,
            "grade_labels": GRADE_LABELS,
            **_months(month),
            **_may(request, shop),
        },
    )


# --- products ---------------------------------------------------------------------------


@requires(Perm.SHOP_VIEW)
def product_new(request: ScopedRequest, pk: int):
    shop = _shop(request, pk)
    _require(request, shop, Perm.SHOP_MANAGE)
    form = ProductForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            shops.product_create(actor=request.user, shop=shop, **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("商品已上架。库存要通过入库登记。"))
            return redirect("rewards:shop", shop.pk)
    return render(
        request, "rewards/shop/product_form.html", {"form": form, "shop": shop, "product": None}
    )


def _product(request: ScopedRequest, pk: int) -> Product:
    _require_staff(request.scope)
    return request.scope.get(Product.objects.select_related("shop__region"), pk, Perm.SHOP_VIEW)


@requires(Perm.SHOP_VIEW)
def product_edit(request: ScopedRequest, pk: int):
    product = _product(request, pk)
    shop = product.shop
    _require(request, shop, Perm.SHOP_MANAGE)
    form = ProductForm(
        request.POST or None,
        request.FILES or None,
        editing=True,
        initial={
            "name": product.name,
            "unit": product.unit,
            "price_points": product.price_points,
            "min_grade": product.min_grade,
            "limit_quantity": product.limit_quantity,
            "limit_period": product.limit_period,
            "sort_order": product.sort_order,
            "active": product.active,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            shops.product_update(actor=request.user, product=product, **form.service_fields())
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("rewards:shop", shop.pk)
    return render(
        request,
        "rewards/shop/product_form.html",
        {"form": form, "shop": shop, "product": product},
    )


@require_GET
@requires(Perm.SHOP_VIEW)
def product_photo(request: ScopedRequest, pk: int):
    """A product's photo: for the shop's staff, and for the households of the
    villages it serves (their catalogue)."""
    product = Product.objects.select_related("shop__region").filter(pk=pk).first()
    if product is None:
        raise Http404
    scope = request.scope
    own_villages = {
        g.household_village_id for g in scope.grants_for(Perm.SHOP_VIEW) if g.household_id
    }
    served = own_villages and product.shop.villages.filter(pk__in=own_villages).exists()
    if not (scope.covers_region(product.shop.region, Perm.SHOP_VIEW) or served):
        raise Http404
    photo = product.photo
    if photo is None:
        raise Http404
    return photos.response(photo.image, f"product-{product.pk}")


# --- stock ------------------------------------------------------------------------------


@require_GET
@requires(Perm.SHOP_VIEW)
def stock_movements(request: ScopedRequest, pk: int):
    """The month's stock movements of a shop."""
    shop = _shop(request, pk)
    month = _month(request)
    rows = list(shop_figures.movements(shop, month))
    return render(
        request,
        "rewards/shop/movements.html",
        {"shop": shop, "rows": rows, **_months(month), **_may(request, shop)},
    )


def _balances(shop: Shop) -> dict[int, Decimal]:
    """Each funding source's balance now (money received − goods cost). Two queries."""
    today = timezone.localdate()
    flows = shop_figures.funding_flows([shop.pk], today).get(shop.pk, [])
    return {pk: a.closing_balance for pk, a in reports.funding_accounts(flows, today).items()}


@requires(Perm.SHOP_VIEW)
def stock_receive(request: ScopedRequest, pk: int):
    shop = _shop(request, pk)
    _require(request, shop, Perm.SHOP_STOCK)
    sources = list(FundingSource.objects.filter(shop=shop, active=True).order_by("name"))
    balances = _balances(shop)
    form = ReceiveForm(
        request.POST or None,
        products=shop.products.filter(active=True).order_by("sort_order", "name"),
        sources=FundingSource.objects.filter(shop=shop, active=True).order_by("name"),
    )
    if request.method == "POST" and form.is_valid():
        try:
            movement = stock.stock_receive(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            apply_service_errors(form, exc)
        else:
            messages.success(
                request,
                _("已入库：%(product)s %(quantity)s%(unit)s，货款 %(amount)s 元。")
                % {
                    "product": movement.product.name,
                    "quantity": movement.quantity,
                    "unit": movement.product.unit,
                    "amount": movement.amount,
                },
            )
            return redirect("rewards:stock", shop.pk)
    return render(
        request,
        "rewards/shop/receive.html",
        {
            "shop": shop,
            "form": form,
            "sources": [(s, balances.get(s.pk, reports.NO_YUAN)) for s in sources],
        },
    )


@requires(Perm.SHOP_VIEW)
def adjustments(request: ScopedRequest, pk: int):
    """Adjustments of a shop: those waiting for a second person first, the form to
    ask for one (Perm.SHOP_STOCK)."""
    shop = _shop(request, pk)
    may = _may(request, shop)
    form = None
    if may["may_stock"]:
        form = AdjustForm(
            request.POST or None,
            products=shop.products.filter(Q(active=True) | Q(stock_quantity__gt=0)).order_by(
                "sort_order", "name"
            ),
        )
        if request.method == "POST" and form.is_valid():
            try:
                stock.stock_adjust_request(actor=request.user, **form.cleaned_data)
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("已提交，等待另一人确认后库存才会变动。"))
                return redirect("rewards:adjustments", shop.pk)
    elif request.method == "POST":
        raise PermissionDenied
    rows = list(
        StockAdjustment.objects.filter(product__shop=shop)
        .select_related("product", "requested_by", "confirmed_by")
        .order_by("-requested_at", "-id")[:200]
    )
    return render(
        request,
        "rewards/shop/adjustments.html",
        {
            "shop": shop,
            "form": form,
            "pending": [a for a in rows if a.state == RequestState.PENDING],
            "decided": [a for a in rows if a.state != RequestState.PENDING],
            **may,
        },
    )


@require_POST
@requires(Perm.SHOP_STOCK)
def adjustment_decide(request: ScopedRequest, pk: int):
    _require_staff(request.scope)
    adjustment = request.scope.get(
        StockAdjustment.objects.select_related("product__shop__region"), pk, Perm.SHOP_STOCK
    )
    shop_pk = adjustment.product.shop_id
    try:
        if request.POST.get("decision") == "confirm":
            stock.stock_adjust_confirm(actor=request.user, adjustment=adjustment)
            messages.success(request, _("已确认，库存已调整。"))
        else:
            reason = clean_line(request.POST.get("reason", ""), _("驳回理由"))
            stock.stock_adjust_reject(actor=request.user, adjustment=adjustment, reason=reason)
            messages.success(request, _("已驳回，库存不变。"))
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
    return redirect("rewards:adjustments", shop_pk)


@requires(Perm.SHOP_VIEW)
def stocktake(request: ScopedRequest, pk: int):
    """The stocktake form (every product on the shelf or in stock, its book quantity
    beside it) and the past stocktakes with their variances."""
    shop = _shop(request, pk)
    may = _may(request, shop)
    products = list(
        shop.products.filter(Q(active=True) | Q(stock_quantity__gt=0)).order_by(
            "sort_order", "name"
        )
    )
    form = None
    if may["may_stock"]:
        form = StocktakeForm(request.POST or None, products=products)
        if request.method == "POST" and form.is_valid():
            try:
                stock.stocktake_record(
                    actor=request.user,
                    shop=shop,
                    counted_on=form.cleaned_data["counted_on"],
                    counts=form.counts(),
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                apply_service_errors(form, exc)
            else:
                messages.success(request, _("盘点已记录，差异已计入库存。"))
                return redirect("rewards:stocktake", shop.pk)
    elif request.method == "POST":
        raise PermissionDenied
    past = list(
        Stocktake.objects.filter(shop=shop)
        .select_related("recorded_by")
        .prefetch_related("lines__product")
        .order_by("-counted_on", "-id")[:12]
    )
    return render(
        request,
        "rewards/shop/stocktake.html",
        {"shop": shop, "form": form, "past": past, **may},
    )


# --- funding ----------------------------------------------------------------------------


@requires(Perm.SHOP_VIEW)
def funding_page(request: ScopedRequest, pk: int):
    """A shop's funding sources with their balances, the money received, and (for
    Perm.SHOP_MANAGE) the forms to add a source and record money."""
    shop = _shop(request, pk)
    may = _may(request, shop)
    sources_qs = FundingSource.objects.filter(shop=shop).order_by("name")
    source_form = receipt_form = None
    if may["may_manage"]:
        source_form = SourceForm(prefix="source")
        receipt_form = FundingReceiptForm(prefix="money", sources=sources_qs.filter(active=True))
    month = reports.month_start(timezone.localdate())
    accounts = reports.funding_accounts(
        shop_figures.funding_flows([shop.pk], month).get(shop.pk, []), month
    )
    sources = [(s, accounts.get(s.pk)) for s in sources_qs]
    receipts = list(
        FundingReceipt.objects.filter(source__shop=shop)
        .select_related("source", "recorded_by")
        .order_by("-received_on", "-id")[:200]
    )
    return render(
        request,
        "rewards/shop/funding.html",
        {
            "shop": shop,
            "sources": sources,
            "receipts": receipts,
            "source_form": source_form,
            "receipt_form": receipt_form,
            **may,
        },
    )


@require_POST
@requires(Perm.SHOP_MANAGE)
def funding_source_new(request: ScopedRequest, pk: int):
    shop = _shop(request, pk)
    _require(request, shop, Perm.SHOP_MANAGE)
    form = SourceForm(request.POST, prefix="source")
    if form.is_valid():
        try:
            funding.funding_source_create(actor=request.user, shop=shop, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("资金来源已添加。"))
    else:
        messages.error(request, _("请填写资金来源的类型和名称。"))
    return redirect("rewards:funding", shop.pk)


@require_POST
@requires(Perm.SHOP_MANAGE)
def funding_receive(request: ScopedRequest, pk: int):
    shop = _shop(request, pk)
    _require(request, shop, Perm.SHOP_MANAGE)
    form = FundingReceiptForm(
        request.POST, prefix="money", sources=FundingSource.objects.filter(shop=shop, active=True)
    )
    if form.is_valid():
        try:
            funding.funding_receive(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            messages.error(request, "；".join(exc.messages))
        else:
            messages.success(request, _("到账资金已登记。"))
    else:
        problems = [e for errors in form.errors.values() for e in errors]
        messages.error(request, "；".join(problems))
    return redirect("rewards:funding", shop.pk)


# --- the monthly report -----------------------------------------------------------------


def _report(shop: Shop, month: date) -> dict[str, Any]:
    """Everything the monthly report shows. A fixed number of queries."""
    (figures,) = shop_figures.shops_month([shop], month)
    products = {p.pk: p for p in Product.objects.filter(shop=shop)}
    sources = {s.pk: s for s in FundingSource.objects.filter(shop=shop)}
    movement_counts = dict(
        shop_figures.movements(shop, month)
        .order_by()
        .values_list("kind")
        .annotate(n=Count("id"))
        .values_list("kind", "n")
    )
    product_rows = [
        (products[a.product_id], a)
        for a in figures.totals.products
        if a.moved or a.closing_quantity or a.opening_quantity
    ]
    product_rows.sort(key=lambda row: (row[0].sort_order, row[0].name))
    return {
        "shop": shop,
        "figures": figures,
        "totals": figures.totals,
        "redemptions": figures.redemptions,
        "product_rows": product_rows,
        "source_rows": [(sources[s.source_id], s) for s in figures.totals.sources],
        "top": shop_figures.top_products(shop, month),
        "coverage": shop_figures.coverage(shop, month),
        "movement_counts": [
            (label, movement_counts.get(kind, 0)) for kind, label in StockKind.choices
        ],
        "problems": figures.totals.problems(),
        "grade_labels": GRADE_LABELS,
    }


@require_GET
@requires(Perm.SHOP_VIEW)
def report(request: ScopedRequest, pk: int):
    shop = _shop(request, pk)
    month = _month(request)
    return render(request, "rewards/shop/report.html", {**_report(shop, month), **_months(month)})


def _xlsx(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _exported(request: ScopedRequest, shop: Shop, what: str, month: date, rows: int) -> None:
    """The audit row of an export (a bulk read of the shop's books)."""
    audit(
        actor=request.user,
        action="shop.export",
        obj=shop,
        region_path=shop.region.path,
        after={"file": what, "period": f"{month:%Y-%m}", "rows": rows},
    )


@require_GET
@requires(Perm.SHOP_VIEW)
@rates.limited(rates.EXPORT)
def report_export(request: ScopedRequest, pk: int):
    """The monthly report as .xlsx: the summary, the stock account per product, the
    funding account per source, the top products."""
    shop = _shop(request, pk)
    month = _month(request)
    data = _report(shop, month)
    t: reports.MonthTotals = data["totals"]
    r: shop_figures.Redemptions = data["redemptions"]
    c: shop_figures.Coverage = data["coverage"]
    summary = [
        (_("积分超市"), shop.name),
        (_("月份"), f"{month:%Y-%m}"),
        (_("兑换笔数"), r.count),
        (_("撤销笔数"), r.voided),
        (_("兑换农户数"), r.households),
        (_("兑换积分（扣除撤销）"), r.points_net),
        (_("兑换商品成本（元）"), t.redeemed_cost),
        (_("每积分成本（元）"), t.cost_per_point if t.cost_per_point is not None else "—"),
        (_("期初资金余额（元）"), t.funding_opening),
        (_("本月到账（元）"), t.money_in),
        (_("本月进货支出（元）"), t.goods_cost),
        (_("期末资金余额（元）"), t.funding_balance),
        (_("累计到账（元）"), t.total_in),
        (_("累计进货支出（元）"), t.total_cost),
        (_("期初库存金额（元）"), t.stock_opening_value),
        (_("报损调整金额（元）"), t.adjusted_value),
        (_("盘点差异金额（元）"), t.variance_value),
        (_("期末库存金额（元）"), t.stock_value),
        (_("%(grade)s及以上的农户") % {"grade": c.gate_label}, c.eligible),
        (_("其中本年已兑换"), c.served),
    ]
    stock_rows = [
        [
            p.name,
            p.unit,
            a.opening_quantity,
            a.opening_value,
            a.received_quantity,
            a.received_cost,
            a.redeemed_quantity,
            a.redeemed_cost,
            a.adjusted_quantity,
            a.adjusted_value,
            a.variance_quantity,
            a.variance_value,
            a.closing_quantity,
            a.unit_cost,
            a.closing_value,
        ]
        for p, a in data["product_rows"]
    ]
    source_rows = [
        [
            s.name,
            s.get_kind_display(),
            a.opening_balance,
            a.money_in,
            a.goods_cost,
            a.closing_balance,
        ]
        for s, a in data["source_rows"]
    ]
    content = workbook_xlsx(
        [
            Sheet(_("汇总"), [_("项目"), _("数值")], summary, (24, 24)),
            Sheet(
                _("库存"),
                [
                    _("商品"),
                    _("单位"),
                    _("期初数量"),
                    _("期初金额"),
                    _("入库数量"),
                    _("入库金额"),
                    _("兑换数量"),
                    _("兑换成本"),
                    _("报损调整数量"),
                    _("报损调整金额"),
                    _("盘点差异数量"),
                    _("盘点差异金额"),
                    _("期末数量"),
                    _("加权平均单价"),
                    _("期末金额"),
                ],  # fmt: skip
                stock_rows,
                (12, 6) + (10,) * 13,
            ),
            Sheet(
                _("资金"),
                [
                    _("资金来源"),
                    _("类型"),
                    _("期初余额"),
                    _("本月到账"),
                    _("进货支出"),
                    _("期末余额"),
                ],
                source_rows,
                (24, 12, 12, 12, 12, 12),
            ),
            Sheet(
                _("兑换排行"),
                [_("商品"), _("单位"), _("数量"), _("积分")],
                [[p.name, p.unit, p.quantity, p.points] for p in data["top"]],
                (16, 6, 8, 10),
            ),
        ]
    )
    _exported(request, shop, "report", month, len(stock_rows))
    return _xlsx(content, f"{shop.name}{month:%Y年%m月}月报.xlsx")


@require_GET
@requires(Perm.SHOP_VIEW)
@rates.limited(rates.EXPORT)
def movements_export(request: ScopedRequest, pk: int):
    shop = _shop(request, pk)
    month = _month(request)
    rows = [
        [
            m.occurred_on,
            m.product.name,
            m.get_kind_display(),
            m.quantity,
            m.unit_cost,
            m.amount,
            m.supplier,
            m.funding_source.name if m.funding_source else "",
            m.redemption.number if m.redemption else m.reason,
            str(m.recorded_by or ""),
            str(m.confirmed_by or ""),
        ]
        for m in shop_figures.movements(shop, month)
    ]
    content = workbook_xlsx(
        [
            Sheet(
                _("库存流水"),
                [
                    _("日期"),
                    _("商品"),
                    _("类型"),
                    _("数量"),
                    _("单价（元）"),
                    _("金额（元）"),
                    _("供应商"),
                    _("资金来源"),
                    _("小票编号/说明"),
                    _("记录人"),
                    _("确认人"),
                ],  # fmt: skip
                rows,
                (12, 12, 12, 8, 10, 10, 20, 20, 24, 10, 10),
            )
        ]
    )
    _exported(request, shop, "movements", month, len(rows))
    return _xlsx(content, f"{shop.name}{month:%Y年%m月}库存流水.xlsx")


@require_GET
@requires(Perm.SHOP_VIEW)
@rates.limited(rates.EXPORT)
def redemptions_export(request: ScopedRequest, pk: int):
    """The month's redemptions: receipt number, time, household number and masked
    head, the goods, the points, voided or not."""
    shop = _shop(request, pk)
    month = _month(request)
    tz = timezone.get_current_timezone()
    rows = [
        [
            r.number,
            timezone.localtime(r.occurred_at, tz),
            r.household.number,
            mask_name(r.household.head_name),
            r.household.villager_group.name,
            "、".join(f"{line.product.name}×{line.quantity}" for line in r.lines.all()),
            r.total_points,
            r.get_source_display(),
            str(r.clerk),
            _("已撤销") if getattr(r, "void", None) else "",
        ]
        for r in shop_figures.redemptions(shop, month).prefetch_related("lines__product")
    ]
    content = workbook_xlsx(
        [
            Sheet(
                _("兑换记录"),
                [
                    _("小票编号"),
                    _("兑换时间"),
                    _("户号"),
                    _("户主"),
                    _("村民小组"),
                    _("商品"),
                    _("积分"),
                    _("来源"),
                    _("经办人"),
                    _("状态"),
                ],  # fmt: skip
                rows,
                (22, 17, 8, 8, 14, 30, 8, 10, 10, 8),
            )
        ]
    )
    _exported(request, shop, "redemptions", month, len(rows))
    return _xlsx(content, f"{shop.name}{month:%Y年%m月}兑换记录.xlsx")
