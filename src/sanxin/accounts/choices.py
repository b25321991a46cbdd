from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    DISTRICT_ADMIN = "district_admin", _("区级管理员")
    DEPARTMENT_VIEWER = "department_viewer", _("职能部门")
    CREDIT_OFFICER = "credit_officer", _("信用联社")
    TOWN_ADMIN = "town_admin", _("镇管理员")
    COMMITTEE_HEAD = "committee_head", _("评信团团长")
    COMMITTEE_DEPUTY = "committee_deputy", _("评信团副团长")
    COMMITTEE_MEMBER = "committee_member", _("评信团成员")
    SUBTEAM_MEMBER = "subteam_member", _("分团成员")
    SHOP_CLERK = "shop_clerk", _("积分超市管理员")
    VILLAGER = "villager", _("村民")
    # A meeting-room display: the district's big screen (大屏), read-only, nothing else.
    DISPLAY = "display", _("大屏展示")


class Department(models.TextChoices):
    """The district departments that guide the 三信 work; a department viewer account
    is bound to one of them and lands on what it guides."""

    ORGANISATION = "organisation", _("区委组织部")
    POLITICAL_LEGAL = "political_legal", _("区委政法委")
    CIVIL_AFFAIRS = "civil_affairs", _("区民政局")
    APPROVAL = "approval", _("区行政审批局")
    CREDIT_UNION = "credit_union", _("信用联社")


# The region level each role is bound to (villagers are bound to a household).
ROLE_LEVELS: dict[str, tuple[str, ...]] = {
    Role.DISTRICT_ADMIN: ("district",),
    Role.DEPARTMENT_VIEWER: ("district",),
    Role.CREDIT_OFFICER: ("district", "town"),
    Role.TOWN_ADMIN: ("town",),
    Role.COMMITTEE_HEAD: ("village",),
    Role.COMMITTEE_DEPUTY: ("village",),
    Role.COMMITTEE_MEMBER: ("village",),
    Role.SUBTEAM_MEMBER: ("group",),
    Role.SHOP_CLERK: ("village", "town"),  # a town may run one shop for several villages
    Role.VILLAGER: (),
    Role.DISPLAY: ("district",),
}

COMMITTEE_ROLES = (Role.COMMITTEE_HEAD, Role.COMMITTEE_DEPUTY, Role.COMMITTEE_MEMBER)
