"""全民争信: honour selections (荣誉评选), village activities with check-in, suggestions
(建言献策) and contributions (捐资捐物、义务投工). Every point these give is a ledger
entry of the scheme's items (`entry` foreign keys), recorded by one member and approved
by another like all other points.

Records that never change are append-only in the database (see the migrations):
nomination, suggestion and contribution photos, ballot casts, ballots, honours and
their withdrawals.

Secret ballot: `BallotCast` says who voted in a selection (one row per voter, unique);
`Ballot` holds what was chosen, with no foreign key to the voter or the cast, no time
and a random primary key (`_random_id`), drawn when the ballot is inserted. On SQLite
an INTEGER PRIMARY KEY is the table's rowid, so even the storage order of ballots is
that of their random ids, not of their casting. See docs/honours.md for what remains
visible to a database superuser on PostgreSQL."""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from sanxin.engagement.choices import (
    ActivityKind,
    CheckInMethod,
    ContributionKind,
    NominationSource,
    NominationState,
    ProjectKind,
    SelectionState,
    SuggestionState,
    TieRule,
    VoterBody,
)
from sanxin.lib.photos import PhotoBase, stored_name
from sanxin.rules.choices import Grade, grade_check

_USER = settings.AUTH_USER_MODEL


def _random_id() -> int:
    """A ballot's id: random in 1 … 2**31 - 1 (an `integer` column on both databases)."""
    return secrets.randbelow(2**31 - 1) + 1


def _checkin_secret() -> str:
    return secrets.token_hex(16)


def _serial() -> str:
    """A certificate's number: random, so it cannot be guessed from another."""
    return secrets.token_hex(8).upper()


# --- honours ---------------------------------------------------------------------


class HonourType(models.Model):
    """An honour a district awards (道德模范, 劳动模范, 美丽庭院, …), the scheme item
    whose points it earns and who may hold it."""

    SCOPE_PATH = "district__path"
    SCOPE_HOUSEHOLD = None

    district = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区县")
    )
    name = models.CharField(_("荣誉名称"), max_length=40)
    item_code = models.CharField(_("积分项代码"), max_length=40)
    # 美丽庭院 honours a household (no person); 道德模范 a person of a household.
    for_household = models.BooleanField(_("授予农户（而非个人）"), default=False)
    min_grade = models.CharField(
        _("最低在用等级"), max_length=10, choices=Grade.choices, default=Grade.A3
    )
    no_active_veto = models.BooleanField(_("不得有正在执行的一票否决"), default=True)
    repeat_years = models.PositiveSmallIntegerField(
        _("同一荣誉间隔年数"),
        default=3,
        help_text=_("在此年数内已获同一荣誉的不得再次评选；0 表示不限"),
    )
    self_nomination = models.BooleanField(_("允许推荐本户"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("荣誉类型")
        verbose_name_plural = _("荣誉类型")
        ordering = ["district_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["district", "name"], name="honourtype_unique_name"),
            grade_check("min_grade", "honourtype_min_grade_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class Selection(models.Model):
    """One year's selection of an honour in a village or a town: nominations → the
    committee's check → the vote → public notice → award (or closed without one)."""

    SCOPE_PATH = "region__path"
    SCOPE_HOUSEHOLD = None

    honour_type = models.ForeignKey(
        HonourType, on_delete=models.PROTECT, related_name="selections", verbose_name=_("荣誉")
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村/镇")
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    state = models.CharField(
        _("状态"), max_length=12, choices=SelectionState.choices, default=SelectionState.NOMINATING
    )
    nominate_from = models.DateField(_("提名开始"))
    nominate_until = models.DateField(_("提名截止"))
    vote_from = models.DateField(_("投票开始"))
    vote_until = models.DateField(_("投票截止"))
    quota = models.PositiveSmallIntegerField(_("名额"))
    voters = models.CharField(
        _("投票人"), max_length=16, choices=VoterBody.choices, default=VoterBody.REPRESENTATIVES
    )
    quorum_percent = models.PositiveSmallIntegerField(
        _("有效票比例（%）"),
        default=66,
        help_text=_("投票人数达到应投票人数的这一比例（向上取整），计票才有效；三分之二填 66"),
    )
    tie_rule = models.CharField(
        _("同票规则"), max_length=12, choices=TieRule.choices, default=TieRule.NONE_TIED
    )
    notice_days = models.PositiveSmallIntegerField(_("公示天数"), default=7)
    # Set when the vote opens: how many could vote (the quorum's base).
    eligible_voters = models.PositiveIntegerField(_("应投票人数"), null=True, blank=True)
    # Set at the count.
    ballots_counted = models.PositiveIntegerField(_("收回选票"), null=True, blank=True)
    counted_at = models.DateTimeField(_("计票时间"), null=True, blank=True)
    notice_from = models.DateField(_("公示开始"), null=True, blank=True)
    notice_until = models.DateField(_("公示截止"), null=True, blank=True)
    closed_reason = models.CharField(_("结束原因"), max_length=200, blank=True)
    created_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("荣誉评选")
        verbose_name_plural = _("荣誉评选")
        ordering = ["-year", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(nominate_from__lte=models.F("nominate_until")),
                name="selection_nomination_window",
            ),
            models.CheckConstraint(
                condition=models.Q(vote_from__lte=models.F("vote_until"))
                & models.Q(nominate_until__lte=models.F("vote_from")),
                name="selection_vote_window",
            ),
            models.CheckConstraint(condition=models.Q(quota__gte=1), name="selection_quota"),
            models.CheckConstraint(
                condition=models.Q(quorum_percent__gte=1, quorum_percent__lte=100),
                name="selection_quorum_percent",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=SelectionState.values), name="selection_state_valid"
            ),
            models.UniqueConstraint(
                fields=["honour_type", "region", "year"],
                condition=~models.Q(state=SelectionState.CLOSED),
                name="selection_one_running_per_year",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.honour_type}"


class Representative(models.Model):
    """A villager on the village's list of representatives (村民代表), kept by the
    committee; `until` set when they leave it."""

    SCOPE_PATH = "village__path"
    SCOPE_HOUSEHOLD = "person__household_id"

    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    person = models.ForeignKey(
        "households.Person", on_delete=models.PROTECT, related_name="+", verbose_name=_("村民")
    )
    since = models.DateField(_("起始日期"))
    until = models.DateField(_("终止日期"), null=True, blank=True)
    added_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    added_at = models.DateTimeField(auto_now_add=True)
    ended_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("村民代表")
        verbose_name_plural = _("村民代表")
        ordering = ["village_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["village", "person"],
                condition=models.Q(until__isnull=True),
                name="representative_once_at_a_time",
            ),
        ]

    def __str__(self) -> str:
        return str(self.person)


class Nomination(models.Model):
    """A nominee of a selection: a household (美丽庭院) or a person of it, with who
    nominated and why, the committee's check and, after the count, the votes."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    selection = models.ForeignKey(
        Selection, on_delete=models.PROTECT, related_name="nominations", verbose_name=_("评选")
    )
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+", verbose_name=_("农户")
    )
    person = models.ForeignKey(
        "households.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("被推荐人"),
    )
    source = models.CharField(_("推荐方式"), max_length=12, choices=NominationSource.choices)
    nominated_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    nominated_at = models.DateTimeField(_("推荐时间"))
    reason = models.TextField(_("推荐理由"))
    state = models.CharField(
        _("状态"),
        max_length=12,
        choices=NominationState.choices,
        default=NominationState.SUBMITTED,
    )
    # What the product found when it checked the rules (plain words, one per line).
    eligibility_note = models.TextField(_("资格核对"), blank=True)
    check_reason = models.CharField(_("审查意见"), max_length=300, blank=True)
    checked_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    checked_at = models.DateTimeField(null=True, blank=True)
    votes = models.PositiveIntegerField(_("得票"), null=True, blank=True)

    class Meta:
        verbose_name = _("提名")
        verbose_name_plural = _("提名")
        ordering = ["selection_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["selection", "household"],
                condition=models.Q(person__isnull=True),
                name="nomination_household_once",
            ),
            models.UniqueConstraint(
                fields=["selection", "person"],
                condition=models.Q(person__isnull=False),
                name="nomination_person_once",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=NominationState.values),
                name="nomination_state_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(state=NominationState.INELIGIBLE) | ~models.Q(check_reason=""),
                name="nomination_ineligible_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.selection} {self.household_id}"


def _nomination_photo_path(instance: NominationPhoto, filename: str) -> str:
    return stored_name(
        "honours",
        instance.nomination.nominated_at,
        instance.nomination_id,
        instance.sha256,
        filename,
    )


class NominationPhoto(PhotoBase):
    nomination = models.ForeignKey(Nomination, on_delete=models.PROTECT, related_name="photos")
    image = models.FileField(_("照片"), upload_to=_nomination_photo_path)

    class Meta:
        verbose_name = _("提名照片")
        verbose_name_plural = _("提名照片")


class BallotCast(models.Model):
    """That a voter voted in a selection (not what they voted): one per voter."""

    SCOPE_PATH = "selection__region__path"
    SCOPE_HOUSEHOLD = None

    selection = models.ForeignKey(Selection, on_delete=models.PROTECT, related_name="casts")
    voter = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    cast_on = models.DateField(_("投票日期"))

    class Meta:
        verbose_name = _("投票记录")
        verbose_name_plural = _("投票记录")
        constraints = [
            models.UniqueConstraint(fields=["selection", "voter"], name="ballotcast_one_per_voter")
        ]

    def __str__(self) -> str:
        return f"{self.selection_id}/{self.voter_id}"


class Ballot(models.Model):
    """What one ballot chose: the ids of the nominations, sorted (so the order of
    picking tells nothing). No voter, no time, a random id (see the module's text)."""

    SCOPE_PATH = "selection__region__path"
    SCOPE_HOUSEHOLD = None

    id = models.IntegerField(primary_key=True, default=_random_id, editable=False)
    selection = models.ForeignKey(Selection, on_delete=models.PROTECT, related_name="ballots")
    choices = models.JSONField(_("所选"), default=list)

    class Meta:
        verbose_name = _("选票")
        verbose_name_plural = _("选票")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.id)


class HonourObjection(models.Model):
    """An objection raised against a winner during the notice, and its answer."""

    SCOPE_PATH = "nomination__selection__region__path"
    SCOPE_HOUSEHOLD = None

    nomination = models.ForeignKey(
        Nomination, on_delete=models.PROTECT, related_name="objections", verbose_name=_("提名")
    )
    raised_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    raised_at = models.DateTimeField(_("提出时间"))
    text = models.TextField(_("异议内容"))
    upheld = models.BooleanField(_("异议成立"), null=True, blank=True)
    answer = models.TextField(_("答复"), blank=True)
    answered_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("公示异议")
        verbose_name_plural = _("公示异议")
        ordering = ["raised_at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(answered_at__isnull=True)
                | (~models.Q(answer="") & models.Q(upheld__isnull=False)),
                name="honourobjection_answer_complete",
            )
        ]

    def __str__(self) -> str:
        return f"{self.nomination_id}: {self.text[:20]}"


class Honour(models.Model):
    """An honour awarded (never changed): its points are a ledger entry, pending until
    a second member approves it; `serial` is the certificate's random number (its
    verification link carries it signed). A withdrawal is a `HonourWithdrawal` row."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    selection = models.ForeignKey(Selection, on_delete=models.PROTECT, related_name="honours")
    nomination = models.OneToOneField(Nomination, on_delete=models.PROTECT, related_name="honour")
    honour_type = models.ForeignKey(HonourType, on_delete=models.PROTECT, related_name="honours")
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="honours"
    )
    person = models.ForeignKey(
        "households.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    awarded_on = models.DateField(_("授予日期"))
    entry = models.ForeignKey(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    serial = models.CharField(_("证书编号"), max_length=32, unique=True, default=_serial)
    awarded_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    awarded_at = models.DateTimeField()

    class Meta:
        verbose_name = _("荣誉")
        verbose_name_plural = _("荣誉")
        ordering = ["-awarded_on", "id"]
        indexes = [models.Index(fields=["household", "honour_type"], name="honour_household_type")]

    def __str__(self) -> str:
        return f"{self.year} {self.honour_type_id} {self.household_id}"


class HonourWithdrawal(models.Model):
    """An honour withdrawn, with the reason and the reversal of its points."""

    SCOPE_PATH = "honour__household__villager_group__path"
    SCOPE_HOUSEHOLD = "honour__household_id"

    honour = models.OneToOneField(Honour, on_delete=models.PROTECT, related_name="withdrawal")
    reason = models.CharField(_("撤销原因"), max_length=300)
    reversal = models.ForeignKey(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    withdrawn_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    withdrawn_at = models.DateTimeField()

    class Meta:
        verbose_name = _("荣誉撤销")
        verbose_name_plural = _("荣誉撤销")
        constraints = [
            models.CheckConstraint(condition=~models.Q(reason=""), name="honourwithdrawal_reason")
        ]

    def __str__(self) -> str:
        return f"{self.honour_id}"


# --- village activities ------------------------------------------------------------


class Activity(models.Model):
    """A village activity published by the committee or a sub-team (`group`: the
    villager group whose sub-team published it), with the scheme item it earns."""

    SCOPE_PATH = "village__path"
    SCOPE_HOUSEHOLD = None

    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    group = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("村民小组"),
    )
    kind = models.CharField(_("类型"), max_length=20, choices=ActivityKind.choices)
    title = models.CharField(_("名称"), max_length=80)
    description = models.TextField(_("内容"), blank=True)
    place = models.CharField(_("地点"), max_length=80)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveIntegerField(_("人数上限"), null=True, blank=True)
    item_code = models.CharField(_("积分项代码"), max_length=40, blank=True)
    # Signs the rotating check-in codes of this activity (with SECRET_KEY).
    checkin_secret = models.CharField(max_length=32, default=_checkin_secret, editable=False)
    published_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    published_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)
    cancelled_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    cancel_reason = models.CharField(_("取消原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("村内活动")
        verbose_name_plural = _("村内活动")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(starts_at__lt=models.F("ends_at")), name="activity_window"
            ),
            models.CheckConstraint(
                condition=models.Q(kind__in=ActivityKind.values), name="activity_kind_valid"
            ),
        ]
        indexes = [models.Index(fields=["village", "starts_at"], name="activity_village_start")]

    def __str__(self) -> str:
        return self.title


class SignUp(models.Model):
    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="signups")
    person = models.ForeignKey("households.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+"
    )
    signed_up_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    signed_up_at = models.DateTimeField()
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["activity_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], name="signup_once_per_person")
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}/{self.person_id}"


class CheckIn(models.Model):
    """A person's attendance at an activity: one per person per activity, never two
    (the database refuses a second). `entry`: its pending ledger entry."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    activity = models.ForeignKey(Activity, on_delete=models.PROTECT, related_name="checkins")
    person = models.ForeignKey("households.Person", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+"
    )
    method = models.CharField(_("签到方式"), max_length=8, choices=CheckInMethod.choices)
    checked_in_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    checked_in_at = models.DateTimeField()
    entry = models.ForeignKey(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("签到")
        verbose_name_plural = _("签到")
        ordering = ["activity_id", "id"]
        constraints = [
            models.UniqueConstraint(fields=["activity", "person"], name="checkin_once_per_person"),
            models.CheckConstraint(
                condition=models.Q(method__in=CheckInMethod.values), name="checkin_method_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.activity_id}/{self.person_id}"


# --- suggestions -------------------------------------------------------------------


class Suggestion(models.Model):
    """A villager's suggestion (建言献策). `show_name`: whether other villagers see
    the author's (masked) name; the committee always does."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "households.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    author = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("建议内容"))
    show_name = models.BooleanField(_("向村民显示姓名"), default=False)
    created_at = models.DateTimeField()
    state = models.CharField(
        _("状态"), max_length=12, choices=SuggestionState.choices, default=SuggestionState.SUBMITTED
    )
    reply = models.TextField(_("答复"), blank=True)
    replied_by = models.ForeignKey(
        _USER, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    replied_at = models.DateTimeField(null=True, blank=True)
    entry = models.ForeignKey(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("建言献策")
        verbose_name_plural = _("建言献策")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=SuggestionState.values), name="suggestion_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["village", "state"], name="suggestion_village_state")]

    def __str__(self) -> str:
        return self.text[:20]


def _suggestion_photo_path(instance: SuggestionPhoto, filename: str) -> str:
    return stored_name(
        "suggestions",
        instance.suggestion.created_at,
        instance.suggestion_id,
        instance.sha256,
        filename,
    )


class SuggestionPhoto(PhotoBase):
    suggestion = models.ForeignKey(Suggestion, on_delete=models.PROTECT, related_name="photos")
    image = models.FileField(_("照片"), upload_to=_suggestion_photo_path)

    class Meta:
        verbose_name = _("建议照片")
        verbose_name_plural = _("建议照片")


# --- contributions -----------------------------------------------------------------


class Project(models.Model):
    """A village project households contribute to (e.g. 外墙保温), with its target."""

    SCOPE_PATH = "village__path"
    SCOPE_HOUSEHOLD = None

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("项目名称"), max_length=80)
    kind = models.CharField(_("类型"), max_length=16, choices=ProjectKind.choices)
    description = models.TextField(_("说明"), blank=True)
    target_amount = models.DecimalField(
        _("目标金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    created_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField()
    closed_on = models.DateField(_("结束日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("村级项目")
        verbose_name_plural = _("村级项目")
        ordering = ["village_id", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["village", "name"], name="project_unique_name"),
            models.CheckConstraint(
                condition=models.Q(target_amount__isnull=True) | models.Q(target_amount__gt=0),
                name="project_target_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contribution(models.Model):
    """Money, goods or labour days a household gave to a project or a cause."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    village = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    project = models.ForeignKey(
        Project, null=True, blank=True, on_delete=models.PROTECT, related_name="contributions"
    )
    cause = models.CharField(_("用途"), max_length=80, blank=True)
    household = models.ForeignKey(
        "households.Household", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(
        "households.Person", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(_("方式"), max_length=8, choices=ContributionKind.choices)
    amount = models.DecimalField(
        _("金额（元）"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    goods = models.CharField(_("物品"), max_length=80, blank=True)
    goods_quantity = models.DecimalField(
        _("数量"), max_digits=12, decimal_places=2, null=True, blank=True
    )
    goods_unit = models.CharField(_("单位"), max_length=8, blank=True)
    labour_days = models.DecimalField(
        _("投工（天）"), max_digits=6, decimal_places=1, null=True, blank=True
    )
    contributed_on = models.DateField(_("日期"))
    evidence_text = models.TextField(_("凭证说明"), blank=True)
    recorded_by = models.ForeignKey(_USER, on_delete=models.PROTECT, related_name="+")
    recorded_at = models.DateTimeField()
    entry = models.ForeignKey(
        "ledger.Entry", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("捐资捐物")
        verbose_name_plural = _("捐资捐物")
        ordering = ["-contributed_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(project__isnull=False) | ~models.Q(cause=""),
                name="contribution_project_or_cause",
            ),
            models.CheckConstraint(
                condition=(
                    models.Q(kind=ContributionKind.MONEY, amount__gt=0)
                    | models.Q(kind=ContributionKind.GOODS, goods_quantity__gt=0)
                    | models.Q(kind=ContributionKind.LABOUR, labour_days__gt=0)
                ),
                name="contribution_kind_has_quantity",
            ),
        ]
        indexes = [models.Index(fields=["project", "kind"], name="contribution_project_kind")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind}"


def _contribution_photo_path(instance: ContributionPhoto, filename: str) -> str:
    return stored_name(
        "contributions",
        instance.contribution.recorded_at,
        instance.contribution_id,
        instance.sha256,
        filename,
    )


class ContributionPhoto(PhotoBase):
    contribution = models.ForeignKey(Contribution, on_delete=models.PROTECT, related_name="photos")
    image = models.FileField(_("照片"), upload_to=_contribution_photo_path)

    class Meta:
        verbose_name = _("捐赠凭证照片")
        verbose_name_plural = _("捐赠凭证照片")
