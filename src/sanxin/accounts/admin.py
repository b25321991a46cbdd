from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django_otp.plugins.otp_totp import admin as otp_totp_admin

from sanxin.accounts.models import RoleAssignment, User


def _superusers_only(request) -> bool:
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only
admin.site.site_header = "三信平台 系统管理"


class RoleAssignmentInline(admin.TabularInline):
    """Read-only here: roles are assigned and ended (never deleted) on the 用户管理
    pages, through the audited services in accounts/services.py."""

    model = RoleAssignment
    fk_name = "user"
    extra = 0
    fields = ["role", "region", "household", "created_at", "created_by", "ended_at", "ended_by"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(User)
class SanxinUserAdmin(UserAdmin):
    inlines = [RoleAssignmentInline]
    list_display = ["username", "display_name", "phone", "is_active", "is_superuser"]
    search_fields = ["username", "display_name", "phone"]
    fieldsets = UserAdmin.fieldsets + (("三信", {"fields": ("display_name", "phone", "region")}),)
    raw_id_fields = ["region"]


# django-otp's own TOTP devices hold their secret in clear; the product's are
# accounts.EncryptedTOTPDevice (accounts/otp.py) and that table stays empty, so its
# admin page (where a secret could be typed in clear) is not offered.
admin.site.unregister(otp_totp_admin.TOTPDevice)
