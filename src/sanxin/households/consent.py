"""Consent to publication, as every publishing page reads it.

A household gives or withdraws consent on its 我的信息 page (`privacy.services.
consent_record` writes an append-only `Consent` row); the newest row per household and
purpose is in force, and a household that never answered has not consented (PIPL
Art. 14 and 25: publishing personal information needs a separate, explicit consent;
silence is not one). The model lives in the register's layer so that engagement,
rewards, oversight and the site — which must not import privacy, or each other — all
read the same rows through these functions.

What the pages do with it (docs/privacy.md, "公开同意"): without consent a name on a
public or village-wide page is masked the way the 公示 masks it (`mask_name`), and a
photo is not shown; the household itself always sees its own name and photos.

Set-based: `in_force` answers for any number of households in one query."""

from __future__ import annotations

from collections.abc import Iterable

from sanxin.households.choices import ConsentPurpose
from sanxin.households.models import Consent, Household
from sanxin.lib.text import mask_name

__all__ = ["ConsentPurpose", "Publication", "in_force", "of_household"]


def in_force(
    household_ids: Iterable[int], purposes: Iterable[str] | None = None
) -> dict[str, set[int]]:
    """{purpose: ids of the households among `household_ids` whose newest row for it
    says given}. One query; households that never answered are in no set."""
    ids = {i for i in household_ids if i is not None}
    wanted = list(purposes) if purposes is not None else list(ConsentPurpose.values)
    found: dict[str, set[int]] = {p: set() for p in wanted}
    if not ids:
        return found
    seen: set[tuple[int, str]] = set()
    rows = (
        Consent.objects.filter(household_id__in=ids, purpose__in=wanted)
        .order_by("household_id", "purpose", "-recorded_at", "-id")
        .values_list("household_id", "purpose", "given")
    )
    for household_id, purpose, given in rows:
        if (household_id, purpose) in seen:
            continue  # an older row: the newest one decided
        seen.add((household_id, purpose))
        if given:
            found[purpose].add(household_id)
    return found


def of_household(household: Household) -> dict[str, bool]:
    """{purpose: given} of the newest row per purpose of one household (a purpose it
    never answered is absent: not given)."""
    found: dict[str, bool] = {}
    for purpose, given in (
        Consent.objects.filter(household=household)
        .order_by("purpose", "-recorded_at", "-id")
        .values_list("purpose", "given")
    ):
        found.setdefault(purpose, given)
    return found


class Publication:
    """What one page may publish about the households it shows: built once per page
    (one query, every purpose) from the households on it and the viewer's own
    households.

    `name(household_id, name, purpose)`: the name in full when it is the viewer's own
    household or the household consented to `purpose`, else masked. `photos(id)`:
    whether the household's photos may be shown (own household, or consent to photos).
    `own` is empty for a printed poster: it is the same whoever prints it."""

    def __init__(self, household_ids: Iterable[int], *, own: Iterable[int] = ()) -> None:
        self.own = set(own)
        self._given = in_force(household_ids)

    def consented(self, household_id: int, purpose: str) -> bool:
        return household_id in self._given.get(purpose, set())

    def full_name(self, household_id: int, purpose: str) -> bool:
        return household_id in self.own or self.consented(household_id, purpose)

    def name(
        self, household_id: int, name: str, purpose: str = ConsentPurpose.NAME_ON_BOARD
    ) -> str:
        return name if self.full_name(household_id, purpose) else mask_name(name)

    def photos(self, household_id: int) -> bool:
        return household_id in self.own or self.consented(household_id, ConsentPurpose.PHOTOS)
