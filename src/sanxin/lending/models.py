"""授信用信: the credit policy by grade, credit lines and their history, loan
applications, loans, their schedules and repayments.

Money is Decimal yuan to the 分 (12 digits, 2 places); rates are Decimal percent a
year to four places (4.7500 is 4.75%). Records that never change are append-only in
the database (the policy versions and their grades, a line's events, instalments,
repayments); a credit line, an application and a loan keep a current state that the
services move forward, each move leaving an event or an audit row."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from sanxin.lending.choices import (
    LINE_CURRENT,
    ApplicationStatus,
    BankDecision,
    LineEventKind,
    LineStatus,
    LoanPurpose,
    LoanStatus,
    RepaymentMethod,
    RepaymentSource,
)
from sanxin.rules.choices import Grade, grade_check

HALF_FEN = Decimal("0.005")

STANDARD_RATE = Decimal("7.5000")  # the seed's standard annual rate, percent
# The seed names 4A and 5A; the other rated grades get the policy's standard line. Our
# default for it is the 优秀 ceiling of the credit-union rating sheets (3 万, see
# docs/lending.md): a district changes it when it publishes its own policy.
STANDARD_LINE = Decimal("30000.00")
PREFERENTIAL_RATE = Decimal("4.7500")
DEFAULT_GRADE_LINES: dict[str, tuple[Decimal, Decimal]] = {
    Grade.A.value: (STANDARD_LINE, STANDARD_RATE),
    Grade.A2.value: (STANDARD_LINE, STANDARD_RATE),
    Grade.A3.value: (STANDARD_LINE, STANDARD_RATE),
    Grade.A4.value: (Decimal("150000.00"), PREFERENTIAL_RATE),
    Grade.A5.value: (Decimal("200000.00"), PREFERENTIAL_RATE),
}


def _money(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=12, decimal_places=2, **kwargs)


def _rate(verbose_name, **kwargs) -> models.DecimalField:
    return models.DecimalField(verbose_name, max_digits=7, decimal_places=4, **kwargs)


def _rate_check(field: str, name: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(**{f"{field}__gt": 0}) & Q(**{f"{field}__lt": 100}), name=name
    )


class CreditPolicy(models.Model):
    """One version of a district's credit policy by grade (授信政策), in force from
    `effective_from` until a later version takes over. Never changed: a new policy is
    a new version."""

    SCOPE_PATH = "district__path"
    SCOPE_HOUSEHOLD = None

    district = models.ForeignKey(
        "regions.Region",
        on_delete=models.PROTECT,
        related_name="credit_policies",
        verbose_name=_("区"),
    )
    # Numbered 1, 2, … per district by `credit_policy_publish`, which locks the district
    # row while it counts (versions are told apart by their rows; the number is for people).
    version = models.PositiveIntegerField(_("版本"))
    effective_from = models.DateField(_("生效日期"))
    standard_rate = _rate(_("基准年利率（%）"), default=STANDARD_RATE)
    standard_line = _money(_("一般授信额度（元）"), default=STANDARD_LINE)
    note = models.TextField(_("说明"), blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("发布人"),
    )
    published_at = models.DateTimeField(_("发布时间"))

    class Meta:
        verbose_name = _("授信政策")
        verbose_name_plural = _("授信政策")
        ordering = ["district_id", "-effective_from", "-version"]
        constraints = [
            models.CheckConstraint(condition=Q(version__gte=1), name="creditpolicy_version_valid"),
            _rate_check("standard_rate", "creditpolicy_standard_rate_valid"),
            models.CheckConstraint(
                condition=Q(standard_line__gt=0), name="creditpolicy_standard_line_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.district_id} v{self.version} {self.effective_from}"


class CreditPolicyGrade(models.Model):
    """The line and the annual rate a policy gives one grade. A grade with no row
    (unrated, and any grade the policy leaves out) gets no line. Never changed."""

    SCOPE_PATH = "policy__district__path"
    SCOPE_HOUSEHOLD = None

    policy = models.ForeignKey(
        CreditPolicy, on_delete=models.PROTECT, related_name="grades", verbose_name=_("授信政策")
    )
    grade = models.CharField(_("等级"), max_length=10, choices=Grade.choices)
    line_amount = _money(_("授信额度（元）"))
    annual_rate = _rate(_("年利率（%）"))

    class Meta:
        verbose_name = _("分等级授信政策")
        verbose_name_plural = _("分等级授信政策")
        ordering = ["policy_id", "grade"]
        constraints = [
            models.UniqueConstraint(
                fields=["policy", "grade"], name="creditpolicygrade_unique_grade"
            ),
            grade_check("grade", "creditpolicygrade_grade_valid"),
            models.CheckConstraint(
                condition=~Q(grade=Grade.UNRATED.value), name="creditpolicygrade_rated_only"
            ),
            models.CheckConstraint(
                condition=Q(line_amount__gt=0), name="creditpolicygrade_line_positive"
            ),
            _rate_check("annual_rate", "creditpolicygrade_rate_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.policy_id} {self.grade} {self.line_amount} {self.annual_rate}%"


class CreditLine(models.Model):
    """A household's credit line (授信), granted from the grade of a final cycle under
    a policy version, valid until the village's next final cycle (at most a year).

    The row holds the current state (status, the amount and rate that may be drawn,
    the bank's decision); every change is a `CreditLineEvent`. A household has at most
    one current line (granted, lowered or suspended); a new grant ends the old one.
    `declined` rows record the officer's decision not to grant (no amount)."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="credit_lines",
        verbose_name=_("农户"),
    )
    village = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("村")
    )
    cycle = models.ForeignKey(
        "ratings.Cycle",
        on_delete=models.PROTECT,
        related_name="credit_lines",
        verbose_name=_("评定周期"),
    )
    policy = models.ForeignKey(
        CreditPolicy, on_delete=models.PROTECT, related_name="lines", verbose_name=_("授信政策")
    )
    reference = models.CharField(_("授信编号"), max_length=20, unique=True)
    grade = models.CharField(_("授信时等级"), max_length=10, choices=Grade.choices)
    # What the policy gave this grade, and what was granted (they differ only with a reason).
    policy_amount = _money(_("政策额度（元）"), null=True, blank=True)
    policy_rate = _rate(_("政策年利率（%）"), null=True, blank=True)
    granted_amount = _money(_("授信额度（元）"), null=True, blank=True)
    granted_rate = _rate(_("授信年利率（%）"), null=True, blank=True)
    # The current state: the grade it now follows, and the amount and rate that apply.
    current_grade = models.CharField(_("现等级"), max_length=10, choices=Grade.choices)
    amount = _money(_("现额度（元）"), null=True, blank=True)
    annual_rate = _rate(_("现年利率（%）"), null=True, blank=True)
    status = models.CharField(
        _("状态"), max_length=14, choices=LineStatus.choices, default=LineStatus.GRANTED
    )
    valid_until = models.DateField(_("有效期至"))
    reason = models.TextField(
        _("理由"), blank=True, help_text=_("额度或利率与政策不同、或不予授信时必填")
    )
    needs_attention = models.BooleanField(_("待处理"), default=False)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("授信人"),
    )
    granted_at = models.DateTimeField(_("授信时间"))
    bank_decision = models.CharField(
        _("信用社审批"), max_length=10, choices=BankDecision.choices, default=BankDecision.PENDING
    )
    bank_reason = models.TextField(_("信用社意见"), blank=True)
    bank_decided_at = models.DateTimeField(_("信用社审批时间"), null=True, blank=True)
    ended_at = models.DateTimeField(_("终止时间"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("授信")
        verbose_name_plural = _("授信")
        ordering = ["village_id", "household_id", "-granted_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status__in=LINE_CURRENT),
                name="creditline_one_current_per_household",
            ),
            grade_check("grade", "creditline_grade_valid"),
            grade_check("current_grade", "creditline_current_grade_valid"),
            models.CheckConstraint(
                condition=Q(status__in=LineStatus.values), name="creditline_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(bank_decision__in=BankDecision.values),
                name="creditline_bank_decision_valid",
            ),
            # A declined line has no amounts; any other has positive ones.
            models.CheckConstraint(
                condition=(
                    Q(
                        status=LineStatus.DECLINED,
                        granted_amount__isnull=True,
                        granted_rate__isnull=True,
                        amount__isnull=True,
                        annual_rate__isnull=True,
                    )
                    & ~Q(reason="")
                )
                | (
                    ~Q(status=LineStatus.DECLINED)
                    & Q(
                        policy_amount__gt=0,
                        policy_rate__gt=0,
                        granted_amount__gt=0,
                        granted_rate__gt=0,
                        granted_rate__lt=100,
                        amount__gte=0,
                        amount__lte=F("granted_amount"),
                        annual_rate__gt=0,
                        annual_rate__lt=100,
                    )
                ),
                name="creditline_amounts_valid",
            ),
            # Granted otherwise than the policy says: the reason is written.
            models.CheckConstraint(
                condition=Q(status=LineStatus.DECLINED)
                | Q(granted_amount=F("policy_amount"), granted_rate=F("policy_rate"))
                | ~Q(reason=""),
                name="creditline_deviation_has_reason",
            ),
            # A suspended line has nothing to draw on.
            models.CheckConstraint(
                condition=~Q(status=LineStatus.SUSPENDED) | Q(amount=0),
                name="creditline_suspended_no_amount",
            ),
        ]
        indexes = [
            models.Index(fields=["village", "cycle"], name="creditline_village_cycle"),
            models.Index(fields=["household", "status"], name="creditline_household_status"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.household_id} {self.status}"

    @property
    def is_current(self) -> bool:
        return self.status in LINE_CURRENT

    @property
    def deviates(self) -> bool:
        return self.status != LineStatus.DECLINED and (
            self.granted_amount != self.policy_amount or self.granted_rate != self.policy_rate
        )


class CreditLineEvent(models.Model):
    """One step of a line's history: granted, declined, suspended, lowered, restored,
    the bank's approval or refusal, ended. `amount`/`annual_rate`/`grade` are the
    line's values after the step. Never changed."""

    SCOPE_PATH = "line__household__villager_group__path"
    SCOPE_HOUSEHOLD = "line__household_id"

    line = models.ForeignKey(
        CreditLine, on_delete=models.PROTECT, related_name="events", verbose_name=_("授信")
    )
    kind = models.CharField(_("事项"), max_length=14, choices=LineEventKind.choices)
    grade = models.CharField(_("等级"), max_length=10, choices=Grade.choices)
    amount = _money(_("额度（元）"), null=True, blank=True)
    annual_rate = _rate(_("年利率（%）"), null=True, blank=True)
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
        verbose_name = _("授信记录")
        verbose_name_plural = _("授信记录")
        ordering = ["line_id", "at", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=LineEventKind.values), name="creditlineevent_kind_valid"
            ),
            grade_check("grade", "creditlineevent_grade_valid"),
            models.CheckConstraint(
                condition=Q(amount__isnull=True) | Q(amount__gte=0),
                name="creditlineevent_amount_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.line_id} {self.kind} {self.at:%Y-%m-%d}"


class LoanApplication(models.Model):
    """A household's application for a loan on its credit line (用信申请), made by a
    villager of the household or recorded by the officer on its behalf, and the
    officer's decision. A refusal states its principal reasons (`refusal_reasons`, a
    list of RefusalReason codes) and may add text."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="loan_applications",
        verbose_name=_("农户"),
    )
    credit_line = models.ForeignKey(
        CreditLine, on_delete=models.PROTECT, related_name="applications", verbose_name=_("授信")
    )
    amount = _money(_("申请金额（元）"))
    purpose = models.CharField(_("用途"), max_length=14, choices=LoanPurpose.choices)
    purpose_detail = models.CharField(_("用途说明"), max_length=200, blank=True)
    term_months = models.PositiveSmallIntegerField(_("期限（月）"))
    method = models.CharField(_("还款方式"), max_length=20, choices=RepaymentMethod.choices)
    status = models.CharField(
        _("状态"),
        max_length=10,
        choices=ApplicationStatus.choices,
        default=ApplicationStatus.APPLIED,
    )
    applied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    on_behalf = models.BooleanField(_("信用社代为录入"), default=False)
    applied_at = models.DateTimeField(_("申请时间"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("决定人"),
    )
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    refusal_reasons = models.JSONField(_("未批准的主要原因"), default=list, blank=True)
    decision_note = models.TextField(_("决定说明"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("用信申请")
        verbose_name_plural = _("用信申请")
        ordering = ["-applied_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount__gt=0), name="loanapplication_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(term_months__gte=1, term_months__lte=360),
                name="loanapplication_term_valid",
            ),
            models.CheckConstraint(
                condition=Q(purpose__in=LoanPurpose.values), name="loanapplication_purpose_valid"
            ),
            models.CheckConstraint(
                condition=Q(method__in=RepaymentMethod.values), name="loanapplication_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=ApplicationStatus.values),
                name="loanapplication_status_valid",
            ),
            # Granted and refused applications name who decided and when.
            models.CheckConstraint(
                condition=Q(status__in=[ApplicationStatus.APPLIED, ApplicationStatus.WITHDRAWN])
                | Q(decided_by__isnull=False, decided_at__isnull=False),
                name="loanapplication_decision_recorded",
            ),
            # A refusal states at least one principal reason.
            models.CheckConstraint(
                condition=~Q(status=ApplicationStatus.REFUSED) | ~Q(refusal_reasons=[]),
                name="loanapplication_refusal_has_reasons",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "status"], name="loanapplication_household"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.amount} {self.status}"


class Loan(models.Model):
    """A loan disbursed on a granted application (用信). The rate is the one of the
    policy in force on the day of disbursement; the schedule is its `Instalment`s, the
    money received its `Repayment`s. `days_past_due` is the daily computation's last
    answer (as of `days_past_due_on`)."""

    SCOPE_PATH = "household__villager_group__path"
    SCOPE_HOUSEHOLD = "household_id"

    application = models.OneToOneField(
        LoanApplication, on_delete=models.PROTECT, related_name="loan", verbose_name=_("用信申请")
    )
    household = models.ForeignKey(
        "households.Household",
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("农户"),
    )
    credit_line = models.ForeignKey(
        CreditLine, on_delete=models.PROTECT, related_name="loans", verbose_name=_("授信")
    )
    policy = models.ForeignKey(
        CreditPolicy,
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("放款日适用的授信政策"),
    )
    principal = _money(_("贷款本金（元）"))
    disbursed_on = models.DateField(_("放款日期"))
    term_months = models.PositiveSmallIntegerField(_("期限（月）"))
    annual_rate = _rate(_("年利率（%）"))
    standard_rate = _rate(_("基准年利率（%）"))
    method = models.CharField(_("还款方式"), max_length=20, choices=RepaymentMethod.choices)
    maturity_on = models.DateField(_("到期日期"))
    status = models.CharField(
        _("状态"), max_length=12, choices=LoanStatus.choices, default=LoanStatus.ACTIVE
    )
    closed_on = models.DateField(_("结清或核销日期"), null=True, blank=True)
    bank_loan_number = models.CharField(_("信用社贷款编号"), max_length=40, blank=True)
    days_past_due = models.PositiveIntegerField(_("逾期天数"), default=0)
    days_past_due_on = models.DateField(_("逾期天数计算日"), null=True, blank=True)
    disbursed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("放款登记人"),
    )
    recorded_at = models.DateTimeField(_("登记时间"))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("贷款")
        verbose_name_plural = _("贷款")
        ordering = ["-disbursed_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(principal__gt=0), name="loan_principal_positive"),
            models.CheckConstraint(
                condition=Q(term_months__gte=1, term_months__lte=360), name="loan_term_valid"
            ),
            _rate_check("annual_rate", "loan_rate_valid"),
            _rate_check("standard_rate", "loan_standard_rate_valid"),
            models.CheckConstraint(
                condition=Q(maturity_on__gte=F("disbursed_on")), name="loan_matures_after_disbursal"
            ),
            models.CheckConstraint(
                condition=Q(method__in=RepaymentMethod.values), name="loan_method_valid"
            ),
            models.CheckConstraint(
                condition=Q(status__in=LoanStatus.values), name="loan_status_valid"
            ),
            models.CheckConstraint(
                condition=Q(status=LoanStatus.ACTIVE, closed_on__isnull=True)
                | (~Q(status=LoanStatus.ACTIVE) & Q(closed_on__isnull=False)),
                name="loan_closed_on_matches_status",
            ),
            models.UniqueConstraint(
                fields=["bank_loan_number"],
                condition=~Q(bank_loan_number=""),
                name="loan_unique_bank_number",
            ),
        ]
        indexes = [
            models.Index(fields=["household", "status"], name="loan_household_status"),
            models.Index(fields=["status", "days_past_due"], name="loan_status_dpd"),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.principal} {self.disbursed_on}"


class Instalment(models.Model):
    """One line of a loan's repayment schedule: what falls due on `due_on`. The
    instalments of a loan add up to its principal to the 分. Never changed."""

    SCOPE_PATH = "loan__household__villager_group__path"
    SCOPE_HOUSEHOLD = "loan__household_id"

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="instalments", verbose_name=_("贷款")
    )
    number = models.PositiveSmallIntegerField(_("期数"))
    due_on = models.DateField(_("应还日期"))
    principal = _money(_("应还本金（元）"))
    interest = _money(_("应还利息（元）"))

    class Meta:
        verbose_name = _("还款计划")
        verbose_name_plural = _("还款计划")
        ordering = ["loan_id", "number"]
        constraints = [
            models.UniqueConstraint(fields=["loan", "number"], name="instalment_unique_number"),
            models.CheckConstraint(condition=Q(number__gte=1), name="instalment_number_valid"),
            models.CheckConstraint(
                condition=Q(principal__gte=0, interest__gte=0), name="instalment_amounts_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id}#{self.number} {self.due_on}"


class Repayment(models.Model):
    """Money received on a loan, split into principal and interest. Never changed: a
    correction is a reversing row (negative amounts) citing the original. A row
    imported from the bank carries the bank's reference, unique per loan, so importing
    the same file again records nothing twice."""

    SCOPE_PATH = "loan__household__villager_group__path"
    SCOPE_HOUSEHOLD = "loan__household_id"

    loan = models.ForeignKey(
        Loan, on_delete=models.PROTECT, related_name="repayments", verbose_name=_("贷款")
    )
    paid_on = models.DateField(_("还款日期"))
    amount = _money(_("还款金额（元）"))
    principal_part = _money(_("其中本金（元）"))
    interest_part = _money(_("其中利息（元）"))
    source = models.CharField(_("来源"), max_length=10, choices=RepaymentSource.choices)
    bank_reference = models.CharField(_("信用社流水号"), max_length=60, blank=True)
    reverses = models.OneToOneField(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reversed_by",
        verbose_name=_("冲正的原记录"),
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("录入人"),
    )
    recorded_at = models.DateTimeField(_("录入时间"))

    class Meta:
        verbose_name = _("还款记录")
        verbose_name_plural = _("还款记录")
        ordering = ["loan_id", "paid_on", "id"]
        constraints = [
            # Within half a 分, which for amounts of two decimals is equality: SQLite
            # compares decimal columns as floating point, where 117064.30 + 316.85 is
            # not 117381.15; PostgreSQL's numeric is exact either way.
            models.CheckConstraint(
                condition=Q(
                    amount__gte=F("principal_part") + F("interest_part") - HALF_FEN,
                    amount__lte=F("principal_part") + F("interest_part") + HALF_FEN,
                ),
                name="repayment_parts_add_up",
            ),
            # An original is money received; a reversal takes it back.
            models.CheckConstraint(
                condition=Q(
                    reverses__isnull=True, amount__gt=0, principal_part__gte=0, interest_part__gte=0
                )
                | Q(
                    reverses__isnull=False,
                    amount__lt=0,
                    principal_part__lte=0,
                    interest_part__lte=0,
                ),
                name="repayment_sign_valid",
            ),
            models.CheckConstraint(
                condition=Q(source__in=RepaymentSource.values), name="repayment_source_valid"
            ),
            models.UniqueConstraint(
                fields=["loan", "bank_reference"],
                condition=~Q(bank_reference=""),
                name="repayment_unique_bank_reference",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.loan_id} {self.paid_on} {self.amount}"
