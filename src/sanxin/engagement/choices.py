"""The fixed vocabularies of 全民争信: honour selections, activities, suggestions and
contributions."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SelectionState(models.TextChoices):
    """A selection's steps, in order; `closed` ends one without an award."""

    NOMINATING = "nominating", _("提名中")
    CHECKING = "checking", _("资格审查")
    VOTING = "voting", _("投票中")
    NOTICE = "notice", _("公示中")
    AWARDED = "awarded", _("已授予")
    CLOSED = "closed", _("已结束")


class VoterBody(models.TextChoices):
    COMMITTEE = "committee", _("村“两委”成员")
    REPRESENTATIVES = "representatives", _("村民代表")


class TieRule(models.TextChoices):
    """What happens when nominees tie for the last place of the quota."""

    ALL_TIED = "all_tied", _("并列者均当选（可超出名额）")
    NONE_TIED = "none_tied", _("并列者均不当选（名额空缺）")


class NominationSource(models.TextChoices):
    VILLAGER = "villager", _("村民推荐")
    SUBTEAM = "subteam", _("分团推荐")
    COMMITTEE = "committee", _("村“两委”提名")


class NominationState(models.TextChoices):
    SUBMITTED = "submitted", _("待审查")
    ELIGIBLE = "eligible", _("审查通过")
    INELIGIBLE = "ineligible", _("审查未通过")
    ELECTED = "elected", _("当选")
    NOT_ELECTED = "not_elected", _("未当选")


class ActivityKind(models.TextChoices):
    CLEANUP = "cleanup", _("环境整治")
    VOLUNTEER = "volunteer", _("志愿服务")
    MEETING = "meeting", _("村民会议")
    TRAINING = "training", _("培训")
    SUGGESTION_MEETING = "suggestion_meeting", _("建言献策会")
    OTHER = "other", _("其他")


class CheckInMethod(models.TextChoices):
    QR = "qr", _("扫码签到")
    LIST = "list", _("名单勾选")


class SuggestionState(models.TextChoices):
    SUBMITTED = "submitted", _("已提交")
    ADOPTED = "adopted", _("已采纳")
    UNDER_STUDY = "under_study", _("研究中")
    NOTED = "noted", _("已记录")
    DECLINED = "declined", _("未采纳")


class ProjectKind(models.TextChoices):
    INSULATION = "insulation", _("外墙保温")
    ROAD = "road", _("道路硬化")
    WATER = "water", _("水利设施")
    SANITATION = "sanitation", _("改厕改水")
    GREENING = "greening", _("绿化美化")
    RELIEF = "relief", _("帮扶救助")
    OTHER = "other", _("其他")


class ContributionKind(models.TextChoices):
    MONEY = "money", _("捐资")
    GOODS = "goods", _("捐物")
    LABOUR = "labour", _("义务投工")
