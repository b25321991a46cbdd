"""The lending app's fixed vocabularies: a credit line's states and the events of its
history, the bank's decision on a line, loan purposes, repayment methods, the states
of applications and loans, refusal reasons, where a repayment came from. The values
are stored in the database, the labels shown."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class LineStatus(models.TextChoices):
    GRANTED = "granted", _("已授信")
    LOWERED = "lowered", _("已降额")
    SUSPENDED = "suspended", _("已暂停")
    DECLINED = "declined", _("不予授信")
    BANK_DECLINED = "bank_declined", _("信用社未批准")
    ENDED = "ended", _("已终止")


# A household's current line is in one of these states (one at most, a constraint);
# only granted and lowered lines may be drawn on.
LINE_CURRENT: tuple[str, ...] = (
    LineStatus.GRANTED.value,
    LineStatus.LOWERED.value,
    LineStatus.SUSPENDED.value,
)
LINE_USABLE: tuple[str, ...] = (LineStatus.GRANTED.value, LineStatus.LOWERED.value)


class BankDecision(models.TextChoices):
    PENDING = "pending", _("待信用社审批")
    APPROVED = "approved", _("信用社已批准")
    DECLINED = "declined", _("信用社未批准")


class LineEventKind(models.TextChoices):
    GRANTED = "granted", _("授信")
    DECLINED = "declined", _("不予授信")
    SUSPENDED = "suspended", _("暂停")
    LOWERED = "lowered", _("降低额度")
    RESTORED = "restored", _("恢复")
    BANK_APPROVED = "bank_approved", _("信用社批准")
    BANK_DECLINED = "bank_declined", _("信用社未批准")
    ENDED = "ended", _("终止")


class LoanPurpose(models.TextChoices):
    INDUSTRY = "industry", _("产业发展")
    BUSINESS = "business", _("生产经营")
    CONSUMPTION = "consumption", _("消费")
    HOUSING = "housing", _("建房修房")
    EDUCATION = "education", _("教育")
    MEDICAL = "medical", _("医疗")
    OTHER = "other", _("其他")


class RepaymentMethod(models.TextChoices):
    INTEREST_MONTHLY = "interest_monthly", _("按月付息、到期还本")
    EQUAL_INSTALMENTS = "equal_instalments", _("等额本息")


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", _("已申请")
    GRANTED = "granted", _("已批准")
    REFUSED = "refused", _("未批准")
    WITHDRAWN = "withdrawn", _("已撤回")


class RefusalReason(models.TextChoices):
    """The principal reasons of a refusal (in the spirit of adverse-action notices)."""

    EXCEEDS_LINE = "exceeds_line", _("申请金额超出可用授信额度")
    LINE_NOT_USABLE = "line_not_usable", _("授信已暂停、终止或未获信用社批准")
    REPAYMENT_CAPACITY = "repayment_capacity", _("收入不足以按期还款")
    EXISTING_DEBT = "existing_debt", _("现有负债过高")
    OVERDUE_HISTORY = "overdue_history", _("有逾期未还的贷款")
    PURPOSE = "purpose", _("贷款用途不符合规定")
    INCOMPLETE = "incomplete", _("申请材料不完整或无法核实")
    OTHER = "other", _("其他原因（见说明）")


class LoanStatus(models.TextChoices):
    ACTIVE = "active", _("还款中")
    REPAID = "repaid", _("已结清")
    WRITTEN_OFF = "written_off", _("已核销")


class RepaymentSource(models.TextChoices):
    MANUAL = "manual", _("手工录入")
    IMPORT = "import", _("信用社文件导入")
