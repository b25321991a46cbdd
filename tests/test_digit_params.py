"""Ids and counts read from a URL's query or a posted field go through
`lib.forms.id_or_none`: `str.isdigit()` is also true of "²" and "፩", which int()
refuses, and int() refuses more than 4,300 digits. Each such value used to be a 500
(ValueError) where the page or a 404 was meant; found while fuzzing the import
parsers (docs/fuzzing.md), whose 户号 look-up had the same flaw."""

from __future__ import annotations

import pytest

from sanxin.lib.forms import id_or_none

ODD = ["²", "፩", "9" * 5000]


def test_id_or_none():
    assert id_or_none("42") == 42 and id_or_none(7) == 7 and id_or_none("007") == 7
    for value in [*ODD, "", "-1", "1.0", " 1", "٣", "1" * 19]:
        assert id_or_none(value) is None, value


@pytest.mark.parametrize("value", ODD)
def test_odd_digits_in_a_query_or_a_form_are_not_a_server_error(world, scheme, login, value):
    client = login(world.users["committee_member"])
    assert client.get("/households/", {"group": value}).status_code == 200
    assert client.get("/points/import/template.xlsx", {"village": value}).status_code == 404
    client = login(world.users["committee_head"])
    assert client.get("/households/import/", {"village": value}).status_code == 200
    assert (
        client.post("/points/review/", {"entry": [value], "action": "approve"}).status_code == 404
    )
    client = login(world.users["credit_officer"])
    assert client.get("/credit/", {"village": value}).status_code == 200
    client = login(world.users["district_admin"])
    assert client.get("/rules/", {"district": value, "village": value}).status_code == 200
    assert client.get("/rules/versions/", {"district": value}).status_code == 404  # not theirs
