"""Shops and their catalogue, the staff side: open a shop for a village (or one
town shop for several villages of the town), change it, add and change products
(price in points, photo, grade gate, limit per household). Products are taken off
the shelf (`active=False`), never deleted: redemptions and stock rows cite them.

Permission: Perm.SHOP_MANAGE over the shop's region (the district, the town, the
village committee head)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from decimal import Decimal
from typing import TYPE_CHECKING

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction

from sanxin.accounts.scope import Perm, scope_for
from sanxin.audit.services import audit
from sanxin.lib import photos
from sanxin.lib.text import clean_line
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards.choices import LimitPeriod
from sanxin.rewards.models import Product, ProductPhoto, Shop
from sanxin.rules.choices import Grade

if TYPE_CHECKING:
    from sanxin.accounts.models import User

CODE = re.compile(r"^[A-Z0-9]{2,12}$")


def require_shop_perm(actor: User | None, shop: Shop, perm: Perm, refused: str) -> None:
    """PermissionDenied unless `actor` holds `perm` over the shop's region."""
    if not scope_for(actor).covers_region(shop.region, perm):
        raise PermissionDenied(refused)


def _check_villages(
    region: Region, villages: list[Region], shop: Shop | None, *, opening: bool = True
) -> None:
    """The villages a shop serves: villages, inside its region (a village shop serves
    its own village), and (when it is open) served by no other open shop: the counter
    must know where a household redeems."""
    errors: list[str] = []
    if not villages:
        errors.append("至少选择一个服务的村")
    for village in villages:
        if village.level != Level.VILLAGE:
            errors.append(f"“{village.name}”不是村")
        elif not village.is_within(region):
            errors.append(f"“{village.name}”不在{region.name}范围内")
    if region.level == Level.VILLAGE and any(v.pk != region.pk for v in villages):
        errors.append("村里的积分超市只服务本村；几个村共用的超市请建在镇上")
    others = Shop.objects.filter(active=True, villages__in=villages)
    if shop is not None:
        others = others.exclude(pk=shop.pk)
    for other in others.distinct() if opening else ():
        served = set(other.villages.values_list("pk", flat=True))
        names = "、".join(v.name for v in villages if v.pk in served)
        errors.append(f"{names}已由“{other.name}”服务")
    if errors:
        raise ValidationError({"villages": errors})


@transaction.atomic
def shop_create(
    *,
    actor: User | None,
    region: Region,
    name: str,
    code: str,
    villages: Iterable[Region],
    address: str = "",
) -> Shop:
    """Open a shop belonging to a village or a town, serving `villages`."""
    if not scope_for(actor).covers_region(region, Perm.SHOP_MANAGE):
        raise PermissionDenied("无权在该地区开设积分超市")
    if region.level not in (Level.VILLAGE, Level.TOWN):
        raise ValidationError({"region": ["积分超市属于一个村或一个镇"]})
    villages = list(villages)
    code = clean_line(code, "简码", field="code", code=True).upper()
    if not CODE.match(code):
        raise ValidationError({"code": ["简码为 2 到 12 位大写字母或数字，如 DGK"]})
    if Shop.objects.filter(code=code).exists():
        raise ValidationError({"code": [f"简码 {code} 已被其他积分超市使用"]})
    _check_villages(region, villages, None)
    shop = Shop(
        region=region,
        name=clean_line(name, "名称", field="name"),
        code=code,
        address=clean_line(address, "地址", field="address"),
    )
    shop.full_clean()
    shop.save()
    shop.villages.set(villages)
    audit(
        actor=actor,
        action="shop.create",
        obj=shop,
        region_path=region.path,
        after={
            "shop_name": shop.name,
            "shop_code": code,
            "served_villages": sorted(v.name for v in villages),
        },
    )
    return shop


@transaction.atomic
def shop_update(
    *,
    actor: User | None,
    shop: Shop,
    name: str,
    villages: Iterable[Region],
    address: str = "",
    active: bool = True,
) -> Shop:
    """Rename a shop, change the villages it serves, close or reopen it. Its region
    and code stay (receipt numbers carry the code)."""
    shop = Shop.objects.select_for_update().select_related("region").get(pk=shop.pk)
    require_shop_perm(actor, shop, Perm.SHOP_MANAGE, "无权修改该积分超市")
    villages = list(villages)
    _check_villages(shop.region, villages, shop, opening=active)
    before = {
        "shop_name": shop.name,
        "address": shop.address,
        "open": shop.active,
        "served_villages": sorted(shop.villages.values_list("name", flat=True)),
    }
    shop.name = clean_line(name, "名称", field="name")
    shop.address = clean_line(address, "地址", field="address")
    shop.active = active
    shop.full_clean()
    shop.save()
    shop.villages.set(villages)
    after = {
        "shop_name": shop.name,
        "address": shop.address,
        "open": shop.active,
        "served_villages": sorted(v.name for v in villages),
    }
    changed = {k: v for k, v in after.items() if before[k] != v}
    if changed:
        audit(
            actor=actor,
            action="shop.update",
            obj=shop,
            region_path=shop.region.path,
            before={k: before[k] for k in changed},
            after=changed,
        )
    return shop


def _check_product(
    *,
    price_points: Decimal,
    min_grade: str,
    limit_quantity: int | None,
    limit_period: str,
) -> None:
    errors: dict[str, list[str]] = {}
    if price_points is None or price_points <= 0:
        errors["price_points"] = ["兑换积分必须大于 0"]
    elif price_points != price_points.quantize(Decimal("0.01")):
        errors["price_points"] = ["兑换积分最多两位小数"]
    if min_grade and min_grade not in Grade.values:
        errors["min_grade"] = ["请选择等级"]
    if (limit_quantity is None) != (not limit_period):
        errors["limit_quantity"] = ["限兑数量和限兑周期要同时填写，或者都不填"]
    elif limit_quantity is not None and limit_quantity < 1:
        errors["limit_quantity"] = ["限兑数量至少为 1"]
    if limit_period and limit_period not in LimitPeriod.values:
        errors["limit_period"] = ["请选择限兑周期"]
    if errors:
        raise ValidationError(errors)


def _store_photo(product: Product, photo: UploadedFile) -> ProductPhoto:
    try:
        content = photos.clean(photo)
    except photos.PhotoRefused as exc:
        raise ValidationError({"photo": [str(exc)]}) from None
    stored = ProductPhoto(product=product, sha256=photos.sha256(content))
    stored.image.save(content.name or "photo.jpg", content, save=False)
    stored.save()
    return stored


def _product_state(product: Product) -> dict:
    return {
        "product": product.name,
        "unit": product.unit,
        "price_points": str(product.price_points),
        "min_grade": product.min_grade,
        "limit": (
            f"{product.get_limit_period_display()} {product.limit_quantity}"
            if product.limit_quantity
            else ""
        ),
        "on_shelf": product.active,
    }


@transaction.atomic
def product_create(
    *,
    actor: User | None,
    shop: Shop,
    name: str,
    unit: str,
    price_points: Decimal,
    min_grade: str = "",
    limit_quantity: int | None = None,
    limit_period: str = "",
    sort_order: int = 0,
    photo: UploadedFile | None = None,
) -> Product:
    """A new product on the shelf, with no stock yet (stock comes by receipts)."""
    require_shop_perm(actor, shop, Perm.SHOP_MANAGE, "无权管理该积分超市的商品")
    _check_product(
        price_points=price_points,
        min_grade=min_grade,
        limit_quantity=limit_quantity,
        limit_period=limit_period,
    )
    name = clean_line(name, "名称", field="name")
    if Product.objects.filter(shop=shop, name=name).exists():
        raise ValidationError({"name": [f"本超市已有商品“{name}”"]})
    product = Product(
        shop=shop,
        name=name,
        unit=clean_line(unit, "单位", field="unit"),
        price_points=price_points,
        min_grade=min_grade,
        limit_quantity=limit_quantity,
        limit_period=limit_period,
        sort_order=sort_order,
    )
    product.full_clean()
    product.save()
    after = _product_state(product)
    if photo is not None:
        _store_photo(product, photo)
        after["photo"] = True
    audit(
        actor=actor, action="product.create", obj=product, region_path=shop.region.path, after=after
    )
    return product


@transaction.atomic
def product_update(
    *,
    actor: User | None,
    product: Product,
    name: str,
    unit: str,
    price_points: Decimal,
    min_grade: str = "",
    limit_quantity: int | None = None,
    limit_period: str = "",
    active: bool = True,
    sort_order: int = 0,
    photo: UploadedFile | None = None,
) -> Product:
    """Change a product: a new price applies to redemptions from now on (each
    redemption line keeps the price of its day); `active=False` takes it off the
    shelf; a new photo replaces the shown one (the old one stays on record)."""
    product = Product.objects.select_for_update().select_related("shop__region").get(pk=product.pk)
    require_shop_perm(actor, product.shop, Perm.SHOP_MANAGE, "无权管理该积分超市的商品")
    _check_product(
        price_points=price_points,
        min_grade=min_grade,
        limit_quantity=limit_quantity,
        limit_period=limit_period,
    )
    name = clean_line(name, "名称", field="name")
    if Product.objects.filter(shop=product.shop, name=name).exclude(pk=product.pk).exists():
        raise ValidationError({"name": [f"本超市已有商品“{name}”"]})
    before = _product_state(product)
    product.name = name
    product.unit = clean_line(unit, "单位", field="unit")
    product.price_points = price_points
    product.min_grade = min_grade
    product.limit_quantity = limit_quantity
    product.limit_period = limit_period
    product.active = active
    product.sort_order = sort_order
    product.full_clean()
    product.save(
        update_fields=[
            "name",
            "unit",
            "price_points",
            "min_grade",
            "limit_quantity",
            "limit_period",
            "active",
            "sort_order",
            "updated_at",
        ]
    )
    after = _product_state(product)
    changed = {k: v for k, v in after.items() if before[k] != v}
    if photo is not None:
        _store_photo(product, photo)
        changed["photo"] = True
    if changed:
        audit(
            actor=actor,
            action="product.update",
            obj=product,
            region_path=product.shop.region.path,
            before={k: before[k] for k in changed if k in before},
            after=changed,
        )
    return product
