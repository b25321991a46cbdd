from __future__ import annotations

from datetime import date

from sanxin.regions.models import Region
from sanxin.rules.models import SchemeVersion


def district_of(region: Region) -> int:
    return region.ancestor_ids[0]


def scheme_for_village(village: Region, on: date) -> SchemeVersion | None:
    """The version in force in `village` on `on`: the village's adopted version when
    it is based on the district's newest version in force, else the district's."""
    in_force = SchemeVersion.objects.filter(effective_from__lte=on).order_by("-effective_from", "-id")
    district_version = in_force.filter(district_id=district_of(village), village__isnull=True).first()
    village_version = in_force.filter(village=village).first()
    if village_version and (district_version is None or village_version.based_on_id == district_version.pk):
        return village_version
    return district_version


def district_versions(district_id: int):
    return SchemeVersion.objects.filter(district_id=district_id, village__isnull=True).order_by("-effective_from", "-id")
