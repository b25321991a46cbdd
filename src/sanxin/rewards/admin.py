"""The points supermarket in the Django admin. The append-only records are read-only
(the database refuses UPDATE and DELETE anyway); the others are listed for looking up,
and changed only through the services (which write the audit rows)."""

from django.contrib import admin

from sanxin.lib.admin import ReadOnlyAdmin
from sanxin.rewards.models import (
    ExpiryNotice,
    FundingReceipt,
    FundingSource,
    HouseholdCard,
    Product,
    ProductPhoto,
    Redemption,
    RedemptionAllowance,
    RedemptionLine,
    RedemptionPolicy,
    RedemptionVoid,
    Shop,
    StockAdjustment,
    StockMovement,
    Stocktake,
    StocktakeLine,
    VoidRequest,
    Wallet,
    WalletEntry,
)


class AllowanceInline(admin.TabularInline):
    model = RedemptionAllowance
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(RedemptionPolicy)
class RedemptionPolicyAdmin(ReadOnlyAdmin):
    list_display = ["district", "effective_from", "min_grade", "expiry_years", "published_at"]
    inlines = [AllowanceInline]


@admin.register(Wallet)
class WalletAdmin(ReadOnlyAdmin):
    list_display = ["household", "balance", "updated_at"]
    search_fields = ["household__number"]


@admin.register(WalletEntry)
class WalletEntryAdmin(ReadOnlyAdmin):
    list_display = ["household", "kind", "points", "expires_on", "occurred_at", "actor"]
    list_filter = ["kind"]
    search_fields = ["household__number"]


@admin.register(ExpiryNotice)
class ExpiryNoticeAdmin(ReadOnlyAdmin):
    list_display = ["household", "expires_on", "points", "notified_at"]


@admin.register(Shop)
class ShopAdmin(ReadOnlyAdmin):
    list_display = ["name", "code", "region", "active"]


@admin.register(Product)
class ProductAdmin(ReadOnlyAdmin):
    list_display = ["name", "shop", "price_points", "stock_quantity", "unit_cost", "active"]
    list_filter = ["active"]


@admin.register(ProductPhoto)
class ProductPhotoAdmin(ReadOnlyAdmin):
    list_display = ["product", "uploaded_at"]


@admin.register(StockMovement)
class StockMovementAdmin(ReadOnlyAdmin):
    list_display = ["product", "kind", "quantity", "unit_cost", "occurred_on", "recorded_by"]
    list_filter = ["kind"]


@admin.register(StockAdjustment)
class StockAdjustmentAdmin(ReadOnlyAdmin):
    list_display = ["product", "quantity", "state", "requested_by", "confirmed_by"]


@admin.register(Stocktake)
class StocktakeAdmin(ReadOnlyAdmin):
    list_display = ["shop", "counted_on", "recorded_by"]


@admin.register(StocktakeLine)
class StocktakeLineAdmin(ReadOnlyAdmin):
    list_display = ["stocktake", "product", "book_quantity", "counted_quantity", "variance"]


@admin.register(FundingSource)
class FundingSourceAdmin(ReadOnlyAdmin):
    list_display = ["name", "kind", "region", "shop", "active"]


@admin.register(FundingReceipt)
class FundingReceiptAdmin(ReadOnlyAdmin):
    list_display = ["source", "amount", "received_on", "recorded_by"]


@admin.register(Redemption)
class RedemptionAdmin(ReadOnlyAdmin):
    list_display = ["number", "shop", "household", "total_points", "occurred_at", "source"]
    search_fields = ["number", "household__number"]


@admin.register(RedemptionLine)
class RedemptionLineAdmin(ReadOnlyAdmin):
    list_display = ["redemption", "product", "quantity", "price_points", "points"]


@admin.register(RedemptionVoid)
class RedemptionVoidAdmin(ReadOnlyAdmin):
    list_display = ["redemption", "reason", "requested_by", "confirmed_by", "created_at"]


@admin.register(VoidRequest)
class VoidRequestAdmin(ReadOnlyAdmin):
    list_display = ["redemption", "state", "requested_by", "decided_by", "requested_at"]


@admin.register(HouseholdCard)
class HouseholdCardAdmin(ReadOnlyAdmin):
    list_display = ["household", "issued_at", "revoked_at"]
