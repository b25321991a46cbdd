"""Grades and tiers: the one place that defines their stored values, their labels
and their order. Model fields use `Grade.choices`/`Tier.choices` with a
`CheckConstraint` built by `grade_check`/`tier_check`, so the database refuses any
other value; the scheme and the engine take their order from here."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _


class Grade(models.TextChoices):
    """Credit grades, declared from the lowest to the highest: the grade order."""

    UNRATED = "unrated", _("未评级")
    A = "A", "A"
    A2 = "2A", "2A"
    A3 = "3A", "3A"
    A4 = "4A", "4A"
    A5 = "5A", "5A"


class Tier(models.TextChoices):
    """Standards, declared from the mildest to the strictest: 群众 < 党员 < 党员干部."""

    MASSES = "masses", _("群众")
    PARTY_MEMBER = "party_member", _("党员")
    PARTY_CADRE = "party_cadre", _("党员干部")


class _Labels(Mapping[str, str]):
    """Value → label of a choices class, each label translated when it is read
    (plain `str`, so it joins and formats like any string)."""

    def __init__(self, choices: type[models.TextChoices]):
        self._labels = {c.value: c.label for c in choices}

    def __getitem__(self, value: str) -> str:
        label = self._labels[value]
        # A plain label ("3A") needs no translation: no lookup of the active language.
        return label if type(label) is str else str(label)

    def __iter__(self) -> Iterator[str]:
        return iter(self._labels)

    def __len__(self) -> int:
        return len(self._labels)


GRADES: tuple[str, ...] = tuple(Grade.values)
RATED_GRADES: tuple[str, ...] = GRADES[1:]
GRADE_LABELS: Mapping[str, str] = _Labels(Grade)
TIERS: tuple[str, ...] = tuple(Tier.values)
PARTY_TIERS: tuple[str, ...] = (Tier.PARTY_MEMBER.value, Tier.PARTY_CADRE.value)
TIER_LABELS: Mapping[str, str] = _Labels(Tier)

_GRADE_RANK = {g: i for i, g in enumerate(GRADES)}
_TIER_RANK = {t: i for i, t in enumerate(TIERS)}


def grade_rank(grade: str) -> int:
    """Position of a grade in the grade order: unrated 0 … 5A 5."""
    try:
        return _GRADE_RANK[grade]
    except KeyError:
        raise ValueError(f"{grade!r} is not a grade") from None


def lower_grade(*grades: str) -> str:
    """The lowest of the given grades."""
    return min(grades, key=grade_rank)


def tier_rank(tier: str) -> int:
    """Position of a tier in the tier order: masses 0, party_member 1, party_cadre 2."""
    try:
        return _TIER_RANK[tier]
    except KeyError:
        raise ValueError(f"{tier!r} is not a tier") from None


def grade_check(field: str, name: str, *, blank: bool = False) -> models.CheckConstraint:
    """A constraint that `field` holds a grade (or is empty, with `blank`)."""
    values = [*GRADES, ""] if blank else list(GRADES)
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": values}), name=name)


def tier_check(field: str, name: str) -> models.CheckConstraint:
    """A constraint that `field` holds a tier."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": list(TIERS)}), name=name)
