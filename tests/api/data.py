"""Data in the test world for the API tests: a final cycle in village A1 (so grades
are in force and results exist), and the real ids the schemathesis test uses."""

from __future__ import annotations


def api_world(world) -> dict[str, int]:
    """Put a cycle of village A1 in force and return real ids by path parameter name."""
    return {
        "region_id": world.village_a1.pk,
    }
