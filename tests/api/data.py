"""Data in the test world for the API tests: village A1's cycle computed, reviewed,
noticed and final (so its households have results and a grade in force), and the
real ids the schemathesis test puts into path parameters."""

from __future__ import annotations

from sanxin.ratings.models import Cycle
from tests.access_cases.standing import _final


def final_cycle(world) -> Cycle:
    """Village A1's final cycle (made once per test world)."""
    _final(world)
    return Cycle.objects.get(village=world.village_a1)


def api_world(world) -> dict[str, int]:
    """Village A1's data in force; real ids in the committee head's reach, by the
    name of the path parameter they fill."""
    cycle = final_cycle(world)
    return {
        "region_id": world.village_a1.pk,
        "household_id": world.household.pk,
        "cycle_id": cycle.pk,
    }
