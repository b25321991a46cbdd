"""The prefecture benchmark's COPY lines come from the models' concrete fields
(bench/pgcopy.py): a column the generator does not know stops it, a `district`
column is filled from the batch. No timing here: the benchmarks run outside the suite."""

from datetime import UTC, datetime

import pytest

from bench.pgcopy import CopyTable, literal
from sanxin.households.models import Household
from sanxin.ledger.models import Entry
from sanxin.rules.models import SchemeVersion

NOW = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)


def test_every_concrete_column_is_listed_and_defaults_filled():
    table = CopyTable(
        Household,
        varying=["id", "village_id", "villager_group_id", "number", "head_name", "member_count"],
        now=NOW,
    )
    assert table.columns == [f.column for f in Household._meta.concrete_fields]
    line = next(table.lines([(7, 2, 3, "0001", "户主", 3)], district_id=1))
    values = dict(zip(table.columns, line.rstrip("\n").split("\t"), strict=True))
    assert values["id"] == "7" and values["number"] == "0001"
    assert values["status"] == "active" and values["left_on"] == "\\N"
    assert values["address"] == "" and values["created_at"] == NOW.isoformat()


def test_a_required_column_the_generator_does_not_fill_stops_it():
    with pytest.raises(RuntimeError, match="Entry.household"):
        CopyTable(Entry, varying=["id"], now=NOW)


def test_a_district_column_is_filled_from_the_batch():
    table = CopyTable(
        SchemeVersion,
        varying=[f.attname for f in SchemeVersion._meta.concrete_fields if f.name != "district"],
        now=NOW,
    )
    assert table.has_district
    width = len(table.columns) - 1
    line = next(table.lines([tuple(range(width))], district_id=42))
    assert line.split("\t")[table.columns.index("district_id")] == "42"
    with pytest.raises(RuntimeError, match="needs its district"):
        next(table.lines([tuple(range(width))], district_id=None))


def test_literals_are_escaped_for_copy():
    assert literal("a\tb\nc\\d") == "a\\tb\\nc\\\\d"
    assert literal(None) == "\\N" and literal(True) == "t"
    assert literal({"k": "值"}) == '{"k":"值"}'
