from __future__ import annotations

from datetime import date

from sanxin.regions.models import Region
from sanxin.rules.models import SchemeVersion


def district_of(region: Region) -> int:
    return region.ancestor_ids[0]


def scheme_for_village(village: Region, on: date) -> SchemeVersion | None:
    """The version in force in `village` on `on`: the village's adopted version when
    it is based on the district's newest version in force, else the district's."""
    in_force = SchemeVersion.objects.filter(effective_from__lte=on).order_by(
        "-effective_from", "-id"
    )
    district_version = in_force.filter(
        district_id=district_of(village), village__isnull=True
    ).first()
    village_version = in_force.filter(village=village).first()
    if village_version and (
        district_version is None or village_version.based_on_id == district_version.pk
    ):
        return village_version
    return district_version


def district_versions(district_id: int):
    return SchemeVersion.objects.filter(district_id=district_id, village__isnull=True).order_by(
        "-effective_from", "-id"
    )


def district_version_in_force(district_id: int, on: date) -> SchemeVersion | None:
    """The district's own version in force on `on` (villages' versions aside)."""
    return district_versions(district_id).filter(effective_from__lte=on).first()


def district_version_next(district_id: int, on: date) -> SchemeVersion | None:
    """The district's earliest version that takes effect after `on`, if any."""
    return (
        SchemeVersion.objects.filter(
            district_id=district_id, village__isnull=True, effective_from__gt=on
        )
        .order_by("effective_from", "id")
        .first()
    )


def district_versions_with_villages(district_id: int):
    """The district's versions for a listing (documents not loaded), each with the
    village versions based on it."""
    from django.db.models import Prefetch

    villages = (
        SchemeVersion.objects.defer("document")
        .select_related("village__parent")
        .order_by("village__path", "-effective_from", "-id")
    )
    return (
        district_versions(district_id)
        .defer("document")
        .prefetch_related(Prefetch("village_versions", queryset=villages))
    )


def village_versions(village: Region):
    """The village's adopted versions, newest first (documents not loaded)."""
    return (
        SchemeVersion.objects.filter(village=village)
        .select_related("based_on")
        .defer("document", "based_on__document")
        .order_by("-effective_from", "-id")
    )


class SchemesOn:
    """The village's scheme version in force on a date, each date looked up once
    (the spreadsheet imports ask for every row's date)."""

    def __init__(self, village: Region):
        self.village = village
        self.versions: dict[date, SchemeVersion | None] = {}
        self.by_pk: dict[int, SchemeVersion] = {}

    def __call__(self, on: date) -> SchemeVersion | None:
        if on not in self.versions:
            found = scheme_for_village(self.village, on)
            # One object per version, so that its scheme is read from JSON once.
            self.versions[on] = None if found is None else self.by_pk.setdefault(found.pk, found)
        return self.versions[on]
