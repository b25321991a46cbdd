"""Personal API tokens. A token acts exactly as its owner does in the UI (the
request's scope is `scope_for(owner)`); only its SHA-256 hash is stored, never the
token itself, which is shown once when it is issued."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApiToken(models.Model):
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="api_tokens",
        verbose_name=_("所属用户"),
    )
    name = models.CharField(_("用途"), max_length=60)
    # The first characters of the token (not secret): tells tokens apart in lists.
    prefix = models.CharField(_("前缀"), max_length=16, editable=False)
    # SHA-256 of the whole token, hex. The token is random (256 bits), so a plain
    # hash is enough: nothing to guess, nothing to salt.
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, editable=False)
    expires_at = models.DateTimeField(_("有效期至"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("最近使用时间"), null=True, blank=True, editable=False)
    last_used_ip = models.GenericIPAddressField(
        _("最近使用地址"), null=True, blank=True, editable=False
    )
    revoked_at = models.DateTimeField(_("撤销时间"), null=True, blank=True, editable=False)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("撤销人"),
    )

    class Meta:
        verbose_name = _("接口令牌")
        verbose_name_plural = _("接口令牌")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["owner", "-created_at"], name="apitoken_owner_latest")]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    def is_active(self, now=None) -> bool:
        """Not revoked, not expired (the owner's own state is checked by tokens.py)."""
        now = now or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)

    @property
    def expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()
