from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanxin.regions.fields import district_field


class AuditEvent(models.Model):
    """Append-only: who did what to which object, with before/after. Written in the
    same transaction as the change (audit.services.audit). The database refuses
    UPDATE and DELETE on this table (see the migration's triggers)."""

    # Where its rows hang in the region tree, for Scope.filter (accounts/scope.py).
    SCOPE_PATH = "region_path"
    SCOPE_HOUSEHOLD = None

    at = models.DateTimeField(_("时间"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    actor_name = models.CharField(_("操作人"), max_length=150, blank=True)
    action = models.CharField(_("操作"), max_length=60, db_index=True)
    object_type = models.CharField(_("对象类型"), max_length=60, blank=True)
    object_id = models.CharField(_("对象编号"), max_length=40, blank=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    # The region the object belongs to (its path), so town/village auditors can be scoped.
    region_path = models.CharField(max_length=255, blank=True, db_index=True)
    # The district of `region_path`; empty exactly when the path is (an action about
    # no region, e.g. a user's own login settings). docs/scaling.md.
    district = district_field(null=True)
    before = models.JSONField(_("变更前"), null=True, blank=True)
    after = models.JSONField(_("变更后"), null=True, blank=True)
    ip_address = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        # The table keeps the name it had in the oversight app (moved without copying).
        db_table = "oversight_auditevent"
        verbose_name = _("审计日志")
        verbose_name_plural = _("审计日志")
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.actor_name} {self.action} {self.object_repr}"


class PruneWindow(models.Model):
    """While a row is here, audit rows older than `before` may be deleted (the
    append-only trigger lets them through; lib/append_only.py PRUNABLE). Only the
    retention job writes it, inside the transaction that deletes, and removes it
    before committing: outside that transaction the table is empty."""

    before = models.DateTimeField()

    class Meta:
        db_table = "audit_prunewindow"

    def __str__(self) -> str:
        return f"before {self.before:%Y-%m-%d}"
