from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from sanxin.accounts.models import RoleAssignment, User


def _superusers_only(request) -> bool:
    return request.user.is_active and request.user.is_superuser


admin.site.has_permission = _superusers_only
admin.site.site_header = "三信平台 系统管理"


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0
    raw_id_fields = ["region", "household"]


@admin.register(User)
class SanxinUserAdmin(UserAdmin):
    inlines = [RoleAssignmentInline]
    list_display = ["username", "display_name", "phone", "is_active", "is_superuser"]
    search_fields = ["username", "display_name", "phone"]
    fieldsets = UserAdmin.fieldsets + (("三信", {"fields": ("display_name", "phone")}),)
