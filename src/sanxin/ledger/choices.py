from django.db import models
from django.utils.translation import gettext_lazy as _


class Source(models.TextChoices):
    MANUAL = "manual", _("逐条记录")
    BATCH = "batch", _("批量记录")
    IMPORT = "import", _("表格导入")
    ACTIVITY = "activity", _("村内活动")
    HONOUR = "honour", _("荣誉评选")
    LOAN_EVENT = "loan_event", _("贷款事件")
    REVERSAL = "reversal", _("冲正")


class Status(models.TextChoices):
    PENDING = "pending", _("待审核")
    APPROVED = "approved", _("已通过")
    REJECTED = "rejected", _("已驳回")
