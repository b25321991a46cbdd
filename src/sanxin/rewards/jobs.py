"""The household QR-card sheets as a background job: one villager group's sheet, or a
whole village's (its groups one after another, each starting on a new page). Each
group's missing cards are made by `cards_for_group` in its own transaction (a retry
reuses them: a group's live cards are printed again as they are); the PDF is drawn
once every group is done and becomes visible only with the finished job."""

from __future__ import annotations

from typing import Any
from urllib.parse import urljoin

from django.urls import reverse
from django.utils.translation import gettext as _

from sanxin.accounts.scope import Perm
from sanxin.jobs.kinds import JobFile, JobKind, Reporter, register
from sanxin.jobs.models import Job
from sanxin.ratings.notice import mask_name
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.rewards import cards
from sanxin.rewards.pdf_cards import CardDoc, GroupSheet, cards_pdf
from sanxin.rewards.services.cards import cards_for_group

CARD_SHEETS = "rewards.card_sheets"


def sheets_target(region_id: int) -> str:
    return f"rewards.cards:{region_id}"


def sheet_title(region: Region) -> str:
    """大贵口村第一村民小组门牌码 for a group, 大贵口村门牌码 for a village."""
    if region.level == Level.GROUP:
        return _("%(village)s%(group)s门牌码") % {
            "village": region.parent.name,
            "group": region.name,
        }
    return _("%(village)s门牌码") % {"village": region.name}


def groups_of(region: Region) -> list[Region]:
    if region.level == Level.GROUP:
        return [region]
    return list(
        Region.objects.filter(path__startswith=region.path, level=Level.GROUP).order_by("path")
    )


def run_card_sheets(job: Job, report: Reporter) -> dict[str, Any]:
    """params: {"region": a group or a village, "site": the page's root URL}."""
    region = Region.objects.select_related("parent__parent").get(pk=job.params["region"])
    groups = groups_of(region)
    report.remember(unit=_("个村民小组"))
    report.set_total(len(groups))
    sheets = []
    for done, group in enumerate(groups, start=1):
        group.parent = region.parent if region.level == Level.GROUP else region
        made = cards_for_group(actor=job.started_by, group=group)
        village = group.parent
        sheets.append(
            GroupSheet(
                village_name=village.name,
                group_name=group.name,
                town_name=village.parent.name if village.parent_id else "",
                cards=[
                    CardDoc(
                        number=c.household.number,
                        head_masked=mask_name(c.household.head_name),
                        url=urljoin(
                            job.params["site"],
                            reverse("rewards:card_scan", args=[cards.token_for(c)]),
                        ),
                    )
                    for c in made
                ],
            )
        )
        report.advance(done)
    title = sheet_title(region)
    content = cards_pdf(sheets, title=title, author=str(job.started_by or ""))
    count = sum(len(s.cards) for s in sheets)
    back = "rewards:card_group" if region.level == Level.GROUP else "rewards:card_groups"
    return {
        "lines": [_("共 %(n)s 户的门牌码，每页 8 张") % {"n": count}],
        "url": reverse(back, args=[region.pk]) if region.level == Level.GROUP else reverse(back),
        "file": JobFile(content, f"{title}.pdf", "application/pdf"),
    }


def register_kinds() -> None:
    register(
        JobKind(
            name=CARD_SHEETS, perm=Perm.SHOP_REDEEM, also=(Perm.SHOP_MANAGE,), run=run_card_sheets
        )
    )
