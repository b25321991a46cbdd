"""The rewards app's tables."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanxin.rules.choices import Grade, grade_check

# --- Party and cadre reserve candidates (政治激励) ---
#
# From the grades in force the product suggests, for each village, reserve
# candidates for party membership (发展党员后备人选) and reserve village cadres
# (村干部后备人选) (rewards/candidates_selectors.py); the committee nominates, the
# town confirms and forwards, the district accepts (rewards/services/candidates.py).
# docs/candidates.md describes the workflow and who sees what.


class CandidateKind(models.TextChoices):
    PARTY = "party", _("发展党员后备人选")
    CADRE = "cadre", _("村干部后备人选")


class CandidateStatus(models.TextChoices):
    NOMINATED = "nominated", _("村评信团已提名")
    CONFIRMED = "confirmed", _("镇已确认")
    FORWARDED = "forwarded", _("已报区委组织部")
    ACCEPTED = "accepted", _("已列入后备")
    WITHDRAWN = "withdrawn", _("已撤回")


# A person holds at most one candidacy of each kind in these statuses.
LIVE_STATUSES = (
    CandidateStatus.NOMINATED,
    CandidateStatus.CONFIRMED,
    CandidateStatus.FORWARDED,
    CandidateStatus.ACCEPTED,
)


class CandidateSource(models.TextChoices):
    SUGGESTED = "suggested", _("系统建议")
    MANUAL = "manual", _("评信团添加")


class CandidateAction(models.TextChoices):
    NOMINATE = "nominate", _("提名")
    CONFIRM = "confirm", _("确认")
    FORWARD = "forward", _("报送")
    ACCEPT = "accept", _("列入后备")
    WITHDRAW = "withdraw", _("撤回")
    TELL = "tell", _("告知本户")


class CandidateCriteria(models.Model):
    """One version of a district's criteria for the suggestions, in force from
    `effective_from` until the next version. Never changed: a change is a new version."""

    SCOPE_PATH = "district__path"
    SCOPE_HOUSEHOLD = None

    district = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="candidate_criteria",
        verbose_name=_("区"),
    )
    effective_from = models.DateField(_("生效日期"))
    min_grade = models.CharField(
        _("户在用等级至少"), max_length=10, choices=Grade.choices, default=Grade.A4
    )
    party_min_age = models.PositiveSmallIntegerField(
        _("发展党员后备人选最低年龄"),
        default=18,
        validators=[MinValueValidator(18), MaxValueValidator(100)],
    )
    party_max_age = models.PositiveSmallIntegerField(
        _("发展党员后备人选最高年龄（空为不限）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(18), MaxValueValidator(100)],
    )
    cadre_min_vanguard = models.DecimalField(
        _("村干部后备人选先锋积分至少（百分制）"),
        max_digits=5,
        decimal_places=2,
        default=Decimal("80"),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
    )
    cadre_max_age = models.PositiveSmallIntegerField(
        _("村干部后备人选最高年龄（空为不限）"),
        null=True,
        blank=True,
        validators=[MinValueValidator(18), MaxValueValidator(100)],
    )
    exclude_vetoed = models.BooleanField(_("有生效中的一票否决时不建议"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("设置人"),
    )
    created_at = models.DateTimeField(_("设置时间"))

    class Meta:
        verbose_name = _("后备人选建议条件")
        verbose_name_plural = _("后备人选建议条件")
        ordering = ["district_id", "-effective_from", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["district", "effective_from"], name="candidatecriteria_one_per_day"
            ),
            grade_check("min_grade", "candidatecriteria_min_grade_valid"),
            models.CheckConstraint(
                condition=models.Q(party_min_age__gte=18),
                name="candidatecriteria_adults_only",
            ),
            models.CheckConstraint(
                condition=models.Q(party_max_age__isnull=True)
                | models.Q(party_max_age__gte=models.F("party_min_age")),
                name="candidatecriteria_party_ages_ordered",
            ),
            models.CheckConstraint(
                condition=models.Q(cadre_min_vanguard__gte=0, cadre_min_vanguard__lte=100),
                name="candidatecriteria_vanguard_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} {self.effective_from}"


class Candidate(models.Model):
    """A person put forward as a party-development or village-cadre reserve candidate,
    and where the candidacy stands. Its history is the `CandidateEvent`s."""

    SCOPE_PATH = "household__villager_group__path"
    # Villagers reach no candidacy through the scope: their own is shown only once
    # the committee has told the household (candidates_selectors.told_candidacies).
    SCOPE_HOUSEHOLD = None

    person = models.ForeignKey(
        "households.Person",
        on_delete=models.PROTECT,
        related_name="candidacies",
        verbose_name=_("人员"),
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="candidacies",
        verbose_name=_("所在户"),
    )
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    kind = models.CharField(_("类别"), max_length=10, choices=CandidateKind.choices)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=CandidateStatus.choices,
        default=CandidateStatus.NOMINATED,
    )
    source = models.CharField(_("来源"), max_length=10, choices=CandidateSource.choices)
    reason = models.TextField(_("提名理由"))
    grade_at_nomination = models.CharField(
        _("提名时在用等级"), max_length=10, choices=Grade.choices
    )
    vanguard_at_nomination = models.DecimalField(
        _("提名时先锋积分（百分制）"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    told_on = models.DateField(_("告知本户日期"), null=True, blank=True)
    nominated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("提名人"),
    )
    nominated_at = models.DateTimeField(_("提名时间"))
    updated_at = models.DateTimeField(_("最近变动"))

    class Meta:
        verbose_name = _("后备人选")
        verbose_name_plural = _("后备人选")
        ordering = ["village_id", "kind", "nominated_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "kind"],
                condition=models.Q(status__in=[s.value for s in LIVE_STATUSES]),
                name="candidate_one_live_per_person_and_kind",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=CandidateStatus.values),
                name="candidate_status_valid",
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=CandidateKind.values), name="candidate_kind_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(source__in=CandidateSource.values),
                name="candidate_source_valid",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="candidate_has_reason"),
            grade_check("grade_at_nomination", "candidate_grade_at_nomination_valid"),
        ]
        indexes = [models.Index(fields=["village", "status"], name="candidate_village_status")]

    def __str__(self) -> str:
        return f"{self.person_id} {self.kind} {self.status}"

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


class CandidateEvent(models.Model):
    """One step of a candidacy: who, when, from which status to which, and why.
    Never changed."""

    SCOPE_PATH = "candidate__household__villager_group__path"
    SCOPE_HOUSEHOLD = None

    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="events", verbose_name=_("后备人选")
    )
    action = models.CharField(_("操作"), max_length=10, choices=CandidateAction.choices)
    from_status = models.CharField(
        _("原状态"), max_length=10, choices=CandidateStatus.choices, blank=True
    )
    to_status = models.CharField(_("新状态"), max_length=10, choices=CandidateStatus.choices)
    reason = models.TextField(_("理由"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("操作人"),
    )
    at = models.DateTimeField(_("时间"))

    class Meta:
        verbose_name = _("后备人选记录")
        verbose_name_plural = _("后备人选记录")
        ordering = ["candidate_id", "at", "id"]

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.action} {self.from_status}→{self.to_status}"
