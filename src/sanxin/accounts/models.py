from __future__ import annotations

from binascii import unhexlify

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device, ThrottlingMixin, TimestampMixin
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_otp.util import random_hex

from sanxin.accounts.choices import ROLE_LEVELS, Department, Role
from sanxin.lib import crypto
from sanxin.regions.choices import Level


class User(AbstractUser):
    """A login. What it may see and do comes only from its role assignments."""

    phone = models.CharField(_("手机号"), max_length=11, null=True, blank=True, unique=True)
    display_name = models.CharField(_("姓名"), max_length=30, blank=True)
    # The villager this login belongs to, when it is one: used for recusal (nobody
    # decides on their own household's points or grade).
    person = models.OneToOneField(
        "households.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
        verbose_name=_("本人"),
    )

    # Where the account belongs (set when a district or town admin creates it): the
    # admins of that region list and manage it, even before it holds a role.
    region = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属辖区"),
    )

    # 长辈模式: larger text and tap targets on every page, chosen by the user.
    elder_mode = models.BooleanField(_("长辈模式"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("用户")
    )
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    region = models.ForeignKey(
        "regions.Region", null=True, blank=True, on_delete=models.PROTECT, verbose_name=_("辖区")
    )
    household = models.ForeignKey(
        "households.Household",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        verbose_name=_("户"),
    )
    # A department viewer's department (组织部, 政法委, ...); empty for every other role.
    department = models.CharField(
        _("部门"), max_length=20, choices=Department.choices, blank=True, default=""
    )
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("分配人"),
    )
    # An assignment is ended, never deleted: the history of who held what stays.
    # Only current assignments (ended_at empty) grant anything (`scope_for`).
    ended_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    ended_by = models.ForeignKey(
        User,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("结束人"),
    )

    class Meta:
        verbose_name = _("角色分配")
        verbose_name_plural = _("角色分配")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(role="villager", household__isnull=False, region__isnull=True))
                | (
                    ~models.Q(role="villager")
                    & models.Q(region__isnull=False, household__isnull=True)
                ),
                name="assignment_bound_to_region_or_household",
            ),
            models.UniqueConstraint(
                fields=["user", "role", "region", "household"],
                condition=models.Q(ended_at__isnull=True),
                name="assignment_unique_current",
            ),
            models.CheckConstraint(
                condition=models.Q(ended_at__isnull=True)
                | models.Q(ended_at__gte=models.F("created_at")),
                name="assignment_ends_after_it_starts",
            ),
            models.CheckConstraint(
                condition=models.Q(role="department_viewer", department__gt="")
                | (~models.Q(role="department_viewer") & models.Q(department="")),
                name="assignment_department_iff_department_viewer",
            ),
        ]

    def __str__(self) -> str:
        where = self.household or self.region
        return f"{self.get_role_display()} @ {where}"

    @property
    def is_current(self) -> bool:
        return self.ended_at is None

    def clean(self) -> None:
        """Each role is bound to a region of its level (ROLE_LEVELS), a villager to a
        household; a department viewer names its department."""
        self._clean_binding()
        if self.role == Role.DEPARTMENT_VIEWER and not self.department:
            raise ValidationError({"department": _("职能部门账号必须选择所属部门")})
        if self.role != Role.DEPARTMENT_VIEWER and self.department:
            raise ValidationError({"department": _("只有职能部门账号有所属部门")})

    def _clean_binding(self) -> None:
        if self.role == Role.VILLAGER:
            if self.household_id is None:
                raise ValidationError({"household": _("村民角色必须绑定到一户")})
            if self.region_id is not None:
                raise ValidationError({"region": _("村民角色绑定到户，不绑定辖区")})
            return
        if self.household_id is not None:
            raise ValidationError({"household": _("只有村民角色绑定到户")})
        if self.region_id is None:
            raise ValidationError({"region": _("请选择辖区")})
        levels = ROLE_LEVELS.get(self.role, ())
        if self.region.level not in levels:
            wanted = "或".join(str(Level(level).label) for level in levels)
            raise ValidationError(
                {
                    "region": _("“%(role)s”只能绑定到%(levels)s一级，%(region)s不是")
                    % {"role": Role(self.role).label, "levels": wanted, "region": self.region.name}
                }
            )


def related_rows(field: str):
    """All rows of the registry model at the other end of one of accounts' own
    relations: "household" (`RoleAssignment.household`) or "person" (`User.person`).
    Accounts sits below households in the layers but its models point at them (a
    login may be a villager, a villager role names a household); code in accounts
    reaches those rows through these declared foreign keys, never by importing the
    households app (docs/architecture.md, "Layers")."""
    model = {"household": RoleAssignment, "person": User}[field]
    return model._meta.get_field(field).related_model._default_manager.all()


def new_totp_key_encrypted() -> str:
    """A new random 20-byte TOTP secret (as django-otp makes them), encrypted."""
    return crypto.encrypt(random_hex(20))


class EncryptedTOTPDevice(TimestampMixin, ThrottlingMixin, Device):
    """A user's authenticator app (TOTP, accounts/otp.py): django-otp's `TOTPDevice`
    with its secret encrypted at rest. `key_encrypted` holds the Fernet token of the
    hex secret under SANXIN_DATA_KEY (sanxin.lib.crypto), so a copy of the database
    does not give the secret away; `sanxin rotate-data-key` re-encrypts it.

    Verification is django-otp's own code, not a copy: `verify_token` (the time steps
    with `tolerance` and `drift`, a code accepted only at a step after `last_t`, so
    never twice, and the throttling of wrong codes), `config_url` (the otpauth://
    link in the QR code) and the throttle factor are TOTPDevice's functions, which
    reach the secret only through `bin_key`. The columns are TOTPDevice's, minus its
    clear `key`.

    The secret is written once, when the device is made: a `save()` of an existing
    device (each verification saves its counters) leaves `key_encrypted` alone, so a
    verification that overlaps a key rotation cannot write back the token under the
    old key. Only the rotation rewrites it (`otp.totp_keys_rotate`, an UPDATE)."""

    key_encrypted = models.TextField(default=new_totp_key_encrypted, editable=False)
    step = models.PositiveSmallIntegerField(default=30)
    t0 = models.BigIntegerField(default=0)
    digits = models.PositiveSmallIntegerField(choices=[(6, 6), (8, 8)], default=6)
    tolerance = models.PositiveSmallIntegerField(default=1)
    drift = models.SmallIntegerField(default=0)
    last_t = models.BigIntegerField(default=-1)

    class Meta(Device.Meta):
        verbose_name = _("手机验证器")
        verbose_name_plural = _("手机验证器")

    verify_token = TOTPDevice.verify_token
    get_throttle_factor = TOTPDevice.get_throttle_factor
    config_url = TOTPDevice.config_url
    _read_str_from_settings = TOTPDevice._read_str_from_settings

    @property
    def bin_key(self) -> bytes:
        """The secret as bytes (decrypted on each use, never kept in a column)."""
        return unhexlify(crypto.decrypt(self.key_encrypted).encode())

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding and kwargs.get("update_fields") is None and not args:
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "key_encrypted"
            ]
        super().save(*args, **kwargs)


class RateWindow(models.Model):
    """One fixed one-minute window of a rate limit: how many requests a bucket made in
    the minute starting at `minute` (minutes since 1970-01-01 UTC). A bucket is one
    user's requests of one kind (the API's reads and writes, the pages' reveals of full
    identity numbers, exports, redemptions) or a client address's failed API
    authentications (`sanxin.accounts.rates`). Counted by one upsert per request, so the
    count is exact across server processes; old windows are pruned by the worker's
    heartbeat and `sanxin prune-rates`. The table keeps the name it had in the api app
    (moved without copying: accounts 0009, api 0003)."""

    bucket = models.CharField(max_length=64)
    minute = models.BigIntegerField()
    hits = models.PositiveIntegerField(default=0)

    class Meta:
        db_table = "api_ratewindow"
        verbose_name = _("限流计数")
        verbose_name_plural = _("限流计数")
        constraints = [
            models.UniqueConstraint(fields=["bucket", "minute"], name="api_ratewindow_one"),
        ]
        indexes = [models.Index(fields=["minute"], name="api_ratewindow_minute")]

    def __str__(self) -> str:
        return f"{self.bucket}@{self.minute}: {self.hits}"
