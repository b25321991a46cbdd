"""The demo data set behind `sanxin demo-data`.

双滦区 with its towns and villages, the pilot village 大贵口村 in full (300
households of invented people in six villager groups), a small neighbouring village
下营子村 to try scoping, and one login per role. Everything is deterministic
(`random.Random(SEED)`), so every run invents the same people, and idempotent: what
already exists is left alone. The region codes are illustrative, not the official
statistical codes.

On top of the people, a year of points under the default scheme (`ledger_year`): the scheme installed for 双滦区, the staff logins linked to their
own Person (recusal), a 双基 credit-union assessment for every household of
大贵口村, and a year of entries (December to 20 October, see `calendar.py`) with
their reviews, some rejected, a few reversed, a few vetoes and about twenty waiting
for review. The grades as of the cut-off of the
demo's cycle (20 October of its calendar) are shaped like the pilot's year (75 households 3A, 26 4A, 29 5A of 300; the
rest 2A and A).

Then the rating cycles of 大贵口村 (`cycle_story`): the demo year's
cycle, finished through the real services with past dates — computed, reviewed
with two adjustments, seven days of notice with three appeals (one upheld), final
with the pilot's distribution, certificates, and a veto after the final that lowers
one household's grade at once — and next year's cycle, open. So every state of a
cycle can be seen.

Then the party and cadre reserve candidates (`candidates`): the district's criteria,
four villagers of 大贵口村 nominated from the suggestions and taken to four statuses
(nominated, confirmed, forwarded, accepted; the accepted one's household told).
Before the demo year's cycle, the village's previous cycle (`previous_year`, a year
earlier: that year's model households and 双基 assessments, finished through the
services), and the credit reward on it (`lending`): the district's default credit
policy, that cycle's lines granted in bulk by `xinyongshe`, and over the year up to the
demo's cut-off 28 loans of 4,820,000 yuan (the pilot's figure), repaid as they fall due
but one (well over 90 days past due whatever the build day), and one refusal; after the
demo's cycle, its own lines.
The points supermarket (`shop`): 大贵口村's shop run by `chaoshi`, its products, funding,
stock receipts, redemptions by every household at or above the gate, one void and a
stocktake with a small variance. And everyone striving for credit (`engagement`):
honour selections (50 beautiful courtyards, the moral models, an open window),
activities with attendance, suggestions with answers and the wall-insulation
project's contributions.
Then, with `build(district=True)` (the command's full-size demo), the rest of the
district (`district`, with `district_ledger` and `district_life`): fourteen villages in
the nine towns, rolled out with different zeal (households, a year of entries, 双基
assessments, a cycle computed by the district and finished by each village, appeals,
shops, lines and loans, honours, activities, suggestions, candidates), so that the
district's figures and rankings mean something (docs/demo-district.md).
Last, the assessment (`assessment`): the district's scheme of the demo's year with the
default indicators, its hand scores, published, and one correction republished as a
second version with its reason.

One module per part of the story: `calendar` (the demo's dates, from the build's
`today`), `fixtures` (its numbers), `regions`, `people` (the roster), `accounts`
(logins; `DEMO_LOGINS` is the one list of them, the README's table follows it),
`ledger_year`, `credit`, `previous_year`, `cycle_story`, `candidates`, `shop`,
`engagement`, `lending`, `reset`. `build()` runs them in order; a
later part of the product adds its own module and one line here.
"""

from __future__ import annotations

import logging
import time
from datetime import date

from django.db import connection, transaction

from sanxin.web.demo.accounts import (
    DEMO_LOGINS,
    PASSWORD,
    build_logins,
    demo_logins,
    format_logins,
    link_people,
)
from sanxin.web.demo.assessment import build_assessment
from sanxin.web.demo.calendar import Calendar
from sanxin.web.demo.candidates import build_candidates
from sanxin.web.demo.cycle_story import (
    build_cycles,
    format_cycle_story,
    format_grades,
    grade_distribution,
)
from sanxin.web.demo.district import build_district, format_district
from sanxin.web.demo.engagement import build_engagement
from sanxin.web.demo.fixtures import NEIGHBOUR_HOUSEHOLDS, PILOT_HOUSEHOLDS
from sanxin.web.demo.ledger_year import build_ledger_year
from sanxin.web.demo.lending import build_lending, build_loan_year
from sanxin.web.demo.people import build_households, plan_demo
from sanxin.web.demo.previous_year import build_previous_year
from sanxin.web.demo.regions import (
    DISTRICT_NAME,
    PILOT_TOWN,
    PILOT_VILLAGE,
    build_groups,
    build_regions,
)
from sanxin.web.demo.result import BuildResult
from sanxin.web.demo.shop import build_shop

__all__ = [
    "DEMO_LOGINS",
    "NEIGHBOUR_HOUSEHOLDS",
    "PASSWORD",
    "PILOT_HOUSEHOLDS",
    "PILOT_VILLAGE",
    "BuildResult",
    "Calendar",
    "build",
    "demo_logins",
    "format_cycle_story",
    "format_district",
    "format_grades",
    "format_logins",
    "grade_distribution",
    "plan_demo",
]

logger = logging.getLogger(__name__)


def _refresh_planner_statistics() -> None:
    """PostgreSQL plans from table statistics, and a table filled inside this one
    transaction has none: the planner takes it for empty and nests loops over loops
    (the district's lending figures then ran for minutes). ANALYZE inside the
    transaction counts the rows it has written. SQLite needs nothing."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def build(
    *, households: int = PILOT_HOUSEHOLDS, today: date | None = None, district: bool = False
) -> BuildResult:
    """Create whatever of the demo does not exist yet, in one transaction, with the
    calendar of a build on `today` (default: the project's local date now).
    `district`: also the district's other towns and villages (`district.py`; the
    command asks for them with the full-size pilot, the tests' small demos leave them
    out)."""
    started = time.perf_counter()
    plan = plan_demo(households)
    result = BuildResult(plan=plan, calendar=Calendar.on(today))
    with transaction.atomic():
        regions = build_regions(result)
        for village_plan in (plan.pilot, plan.neighbour):
            village = regions[(DISTRICT_NAME, PILOT_TOWN, village_plan.name)]
            groups = build_groups(village_plan.name, village_plan.group_count, regions, result)
            build_households(village, groups, village_plan, result)
        build_logins(plan, regions, result)
        link_people(plan, result)
        build_ledger_year(
            plan,
            result.calendar,
            regions,
            result,
            before_writing=lambda: build_previous_year(plan, result.calendar, regions, result),
        )
        build_loan_year(result.calendar, regions, result)
        build_cycles(result.calendar, regions, result)
        build_candidates(plan, result.calendar, regions, result)
        build_shop(result.calendar, regions, result)
        build_engagement(result.calendar, regions, result, today=today)
        build_lending(result.calendar, regions, result)
        _refresh_planner_statistics()
        # The district's other towns and villages: after the pilot's parts (they use its
        # scheme and policies), before anything that summarises the district.
        if district:
            build_district(result.calendar, regions, result, today=today)
            _refresh_planner_statistics()
        build_assessment(result.calendar, regions, result)
        _refresh_planner_statistics()
    result.seconds = time.perf_counter() - started
    logger.info(
        "demo built in %.1f s: %d regions, %d households, %d people, %d logins, "
        "%d credit assessments, %d entries, %d rating cycles (cut-off %s)",
        result.seconds, result.regions, result.households, result.people, result.users,
        result.assessments, result.entries, result.cycles, result.calendar.as_of,
    )  # fmt: skip
    return result
