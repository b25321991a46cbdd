"""What the Django admin of append-only records shares."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """An admin that offers no add, change or delete (the database refuses UPDATE and
    DELETE on append-only tables anyway)."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
