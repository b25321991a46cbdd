"""The points supermarket's fixed vocabularies: what moves a wallet, what moves stock,
the states of a request that waits for a second person, the periods of a product's
limit, the kinds of funding source, where a redemption was taken. The values are
stored in the database, the labels shown."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class WalletKind(models.TextChoices):
    """What a wallet row records. Credits are positive, debits negative."""

    ENTRY_CREDIT = "entry_credit", _("积分入账")
    ENTRY_TAKEBACK = "entry_takeback", _("冲正扣回")
    ALLOWANCE = "allowance", _("等级奖励积分")
    REDEMPTION = "redemption", _("兑换")
    VOID = "void", _("撤销兑换退回")
    EXPIRY = "expiry", _("积分过期")


class StockKind(models.TextChoices):
    """What a stock movement records. Receipts and void returns add, issues remove,
    adjustments and stocktake variances go either way."""

    RECEIPT = "receipt", _("入库")
    ISSUE = "issue", _("兑换出库")
    VOID_RETURN = "void_return", _("撤销兑换退库")
    ADJUSTMENT = "adjustment", _("报损/调整")
    STOCKTAKE = "stocktake", _("盘点差异")


class RequestState(models.TextChoices):
    """A request that a second person confirms or rejects (stock adjustments, voids
    after the day of the sale)."""

    PENDING = "pending", _("待确认")
    CONFIRMED = "confirmed", _("已确认")
    REJECTED = "rejected", _("已驳回")


class LimitPeriod(models.TextChoices):
    """The period a product's per-household limit counts over (calendar periods in
    local time)."""

    MONTH = "month", _("每月")
    QUARTER = "quarter", _("每季度")
    YEAR = "year", _("每年")


class FundingKind(models.TextChoices):
    DISTRICT_FUND = "district_fund", _("区级资金")
    VILLAGE_COLLECTIVE = "village_collective", _("村集体")
    BUSINESS_DONATION = "business_donation", _("企业捐赠")
    PERSONAL_DONATION = "personal_donation", _("个人捐赠")
    CREDIT_UNION = "credit_union", _("信用联社赞助")


class RedemptionSource(models.TextChoices):
    COUNTER = "counter", _("收银台")
    PAPER = "paper", _("纸质单据补录")
