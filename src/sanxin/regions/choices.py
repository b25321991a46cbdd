"""The levels of the region tree, top down, and the level each one's children have."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.TextChoices):
    DISTRICT = "district", _("区")
    TOWN = "town", _("镇/乡/街道")
    VILLAGE = "village", _("村/社区")
    GROUP = "group", _("村民小组")


CHILD_LEVEL = {Level.DISTRICT: Level.TOWN, Level.TOWN: Level.VILLAGE, Level.VILLAGE: Level.GROUP}
