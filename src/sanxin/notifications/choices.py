"""The kinds of notification."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    NOTICE_OPEN = "notice_open", _("公示开始")
    APPEAL_ANSWERED = "appeal_answered", _("异议已答复")
    GRADE_FINAL = "grade_final", _("等级确定")
    GRADE_CHANGED = "grade_changed", _("等级动态调整")
    ENTRY_RECORDED = "entry_recorded", _("积分已记录")
    ENTRY_APPROVED = "entry_approved", _("积分审核通过")
    ENTRY_REJECTED = "entry_rejected", _("积分审核未通过")
    POINTS_EXPIRING = "points_expiring", _("积分即将过期")
    LOAN = "loan", _("贷款")  # a loan application decided, a loan disbursed (lending)
    SUGGESTION_ANSWERED = "suggestion_answered", _("建议已答复")
    ACTIVITY = "activity", _("村内活动")  # an activity cancelled (engagement)
    CORRECTION_ANSWERED = "correction_answered", _("更正申请已答复")  # privacy
