from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanxin.accounts.choices import Role


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
    created_at = models.DateTimeField(auto_now_add=True)

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
                fields=["user", "role", "region", "household"], name="assignment_unique"
            ),
        ]

    def __str__(self) -> str:
        where = self.household or self.region
        return f"{self.get_role_display()} @ {where}"
