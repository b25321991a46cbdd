"""In-product notifications (站内通知) addressed to a household: every user who
sees that household as their own (its members' accounts) sees them. Reading is
tracked per user. Notifications are never changed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanxin.notifications.choices import Kind
from sanxin.regions.fields import district_field


class Notification(models.Model):
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="notifications",
        verbose_name=_("农户"),
    )
    district = district_field()  # the household's (docs/scaling.md)
    kind = models.CharField(_("类别"), max_length=20, choices=Kind.choices)
    title = models.CharField(_("标题"), max_length=120)
    body = models.TextField(_("内容"), blank=True)
    url = models.CharField(_("链接"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["household", "-created_at"], name="notification_household_recent")
        ]

    def __str__(self) -> str:
        return self.title


class NotificationRead(models.Model):
    notification = models.ForeignKey(
        Notification, on_delete=models.CASCADE, related_name="reads", verbose_name=_("通知")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("用户")
    )
    read_at = models.DateTimeField(_("阅读时间"))

    class Meta:
        verbose_name = _("通知已读")
        verbose_name_plural = _("通知已读")
        constraints = [
            models.UniqueConstraint(fields=["notification", "user"], name="notification_read_once")
        ]

    def __str__(self) -> str:
        return f"{self.notification_id} read by {self.user_id}"
