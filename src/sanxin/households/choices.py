from django.db import models
from django.utils.translation import gettext_lazy as _


class HouseholdStatus(models.TextChoices):
    ACTIVE = "active", _("在册")
    MOVED_OUT = "moved_out", _("迁出")
    DISSOLVED = "dissolved", _("销户")


class PoliticalStatus(models.TextChoices):
    MASSES = "masses", _("群众")
    PARTY_MEMBER = "party_member", _("中共党员")
    PROBATIONARY = "probationary", _("中共预备党员")


class Sex(models.TextChoices):
    MALE = "M", _("男")
    FEMALE = "F", _("女")


class CadrePost(models.TextChoices):
    PARTY_SECRETARY = "party_secretary", _("村党支部书记")
    COMMITTEE_DIRECTOR = "committee_director", _("村委会主任")
    TWO_COMMITTEES_MEMBER = "two_committees_member", _("村“两委”委员")
    GROUP_LEADER = "group_leader", _("村民小组长")
    OTHER_CADRE = "other_cadre", _("其他村干部")


HEAD_RELATIONS = {"户主", "本人"}

# What clerks write in the 政治面貌 column, mapped to the stored value.
POLITICAL_ALIASES = {
    "群众": PoliticalStatus.MASSES,
    "": PoliticalStatus.MASSES,
    "中共党员": PoliticalStatus.PARTY_MEMBER,
    "党员": PoliticalStatus.PARTY_MEMBER,
    "中国共产党党员": PoliticalStatus.PARTY_MEMBER,
    "中共预备党员": PoliticalStatus.PROBATIONARY,
    "预备党员": PoliticalStatus.PROBATIONARY,
}

CADRE_ALIASES = {
    "": "",
    "无": "",
    "村党支部书记": CadrePost.PARTY_SECRETARY,
    "党支部书记": CadrePost.PARTY_SECRETARY,
    "支部书记": CadrePost.PARTY_SECRETARY,
    "书记": CadrePost.PARTY_SECRETARY,
    "村委会主任": CadrePost.COMMITTEE_DIRECTOR,
    "村主任": CadrePost.COMMITTEE_DIRECTOR,
    "主任": CadrePost.COMMITTEE_DIRECTOR,
    "村“两委”委员": CadrePost.TWO_COMMITTEES_MEMBER,
    '村"两委"委员': CadrePost.TWO_COMMITTEES_MEMBER,
    "村两委委员": CadrePost.TWO_COMMITTEES_MEMBER,
    "两委委员": CadrePost.TWO_COMMITTEES_MEMBER,
    "村委委员": CadrePost.TWO_COMMITTEES_MEMBER,
    "支委委员": CadrePost.TWO_COMMITTEES_MEMBER,
    "村民小组长": CadrePost.GROUP_LEADER,
    "小组长": CadrePost.GROUP_LEADER,
    "组长": CadrePost.GROUP_LEADER,
    "其他村干部": CadrePost.OTHER_CADRE,
}


class ConsentPurpose(models.TextChoices):
    """Publications beyond what the village rules themselves require, each needing the
    household's separate consent (PIPL Art. 25, 14). The 公示 of grades and of honour
    selections is part of those procedures and is not asked (docs/privacy.md)."""

    PHOTOS = "photos", _("在村务公开栏和荣誉榜展示本户的照片")
    NAME_ON_BOARD = "name_on_board", _("在村务公开栏的建议和出资出力名单中显示姓名")
    NAME_ON_HONOUR_ROLL = "honour_name", _("在光荣榜（村务公开栏、A4 海报）上显示获奖人全名")
