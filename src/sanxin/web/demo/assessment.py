"""The demo's assessment (考核): the district's scheme of the demo's year (the year of its
finished cycle) with the default indicators, the district's hand scores for every town
and village, published as version 1, then one village's hand score corrected and
republished as version 2 with its reason, so the history shows a superseded version.

It runs last, over whatever the other parts made: the computed indicators read the
records as they are, so a village without data scores low, which is honest."""

from __future__ import annotations

import logging
import random

from sanxin.accounts.models import User
from sanxin.oversight.assessment import services
from sanxin.oversight.models import AssessmentScheme, Indicator
from sanxin.regions.choices import Level
from sanxin.regions.models import Region
from sanxin.web.demo.calendar import Calendar
from sanxin.web.demo.fixtures import SEED
from sanxin.web.demo.regions import DISTRICT_NAME, PILOT_TOWN, PILOT_VILLAGE
from sanxin.web.demo.result import BuildResult

logger = logging.getLogger(__name__)

DISTRICT_ADMIN = "quadmin"
# The district's notes for its hand scores (组织领导与宣传), by how well it went.
NOTES = {
    "good": "领导小组按季度召开会议，宣传栏、广播和微信群宣传到户，工作台账齐全。",
    "fair": "召开了部署会议，宣传材料基本齐全，工作台账有缺项。",
    "weak": "工作部署不及时，宣传和台账材料不全。",
}
CORRECTED = "复核会议记录后，确认该村第三季度已补开部署会议，评分由 5 分调为 7 分。"


def _hand_score(region: Region, rng: random.Random) -> tuple[str, str]:
    if region.name in (PILOT_VILLAGE, PILOT_TOWN):
        return "10", NOTES["good"]
    kind = rng.choice(("good", "fair", "fair", "weak"))
    score = {"good": rng.choice(("8", "9")), "fair": rng.choice(("6", "7")), "weak": "5"}[kind]
    return score, NOTES[kind]


def build_assessment(cal: Calendar, regions: dict[tuple[str, ...], Region], result: BuildResult):
    """The published assessment of the demo's year (what does not exist yet)."""
    district = regions[(DISTRICT_NAME,)]
    admin = User.objects.filter(username=DISTRICT_ADMIN).first()
    year = cal.reference_year
    if admin is None or AssessmentScheme.objects.filter(district=district, year=year).exists():
        return None
    scheme = services.assessment_default_create(
        actor=admin, district=district, year=year, name=f"{year} 年度{DISTRICT_NAME}三信工作考核"
    )
    rng = random.Random(SEED)
    manual = Indicator.objects.get(scheme=scheme, kind="manual")
    scored = list(
        Region.objects.filter(
            path__startswith=district.path, level__in=(Level.TOWN, Level.VILLAGE)
        ).order_by("path")
    )
    corrected: Region | None = None
    for region in scored:
        score, note = _hand_score(region, rng)
        if score == "5" and corrected is None and region.level == Level.VILLAGE:
            corrected = region
        services.manual_score_set(
            actor=admin, indicator=manual, region=region, score=score, note=note
        )
    version = services.assessment_publish(actor=admin, scheme=scheme, seen_version=0)
    if corrected is not None:
        services.manual_score_set(
            actor=admin, indicator=manual, region=corrected, score="7", note=CORRECTED
        )
        version = services.assessment_publish(
            actor=admin,
            scheme=scheme,
            seen_version=version.number,
            reason=f"{corrected.name}的“组织领导与宣传”评分复核后更正",
        )
    logger.info(
        "demo assessment %d published: version %d, %d towns and villages",
        year, version.number, len(scored),
    )  # fmt: skip
    return version
