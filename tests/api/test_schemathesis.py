"""schemathesis against /api/v1/openapi.json, through Django's WSGI app, with a real
token of a user who has data in scope: for every operation of the schema (new
routers are picked up by themselves), a bounded number of generated requests, each
checked — no server error, the status code documented, the response conforming to
its schema (and the rest of schemathesis' default checks).

Generated path ids are mostly random and answer 404; so that operations are also
tried on real rows, a path parameter named in `REAL_IDS` is replaced, in some
examples, by a real id of the world. An operation with a new `<thing>_id` path
parameter adds its key and a real id in `_real_ids` below."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from sanxin.api.services import token_issue

EXAMPLES_PER_OPERATION = 25
# Every default check runs but one: `positive_data_acceptance` expects any string
# the schema allows to be accepted, and a page cursor is a signed value the API
# issued, which no schema can describe: a made-up one is refused with a documented
# 422 (loc ["query", "cursor"]).
# And `negative_data_rejection`: the test sends the token on every request and puts
# real ids into path parameters (the hook below), so a request schemathesis made
# invalid on purpose (no Authorization header, a mutated path id) can arrive valid
# and be answered 200. The negative examples still run through every other check
# (no server error, documented status, conforming response); the refusals
# themselves are tested in tests/api/test_errors.py and the access matrix.
EXCLUDED = [
    schemathesis.checks.positive_data_acceptance,
    schemathesis.checks.negative_data_rejection,
]
# Filled by the fixture before each test: path parameter name -> a real id in scope.
REAL_IDS: dict[str, int] = {}


def _real_ids(world) -> dict[str, int]:
    """Real ids the committee head of village A1 reaches, by path parameter name."""
    from tests.api.data import api_world

    return api_world(world)


# Loaded at collection from the served /api/v1/openapi.json (no database needed), so
# `parametrize` makes one test per operation.
schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", WSGIHandler())


@schema.hook
def flatmap_path_parameters(context, path_parameters: dict[str, Any]):
    real = {k: REAL_IDS[k] for k in path_parameters or {} if k in REAL_IDS}
    if not real:
        return st.just(path_parameters)
    return st.sampled_from([path_parameters, {**path_parameters, **real}])


pytestmark = pytest.mark.usefixtures("served_in_process")  # tests/api/conftest.py


@pytest.fixture
def bearer(world) -> dict[str, str]:
    REAL_IDS.clear()
    REAL_IDS.update(_real_ids(world))
    _token, value = token_issue(actor=world.users["committee_head"], name="schemathesis")
    return {"Authorization": f"Bearer {value}"}


@schema.parametrize()
@settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_keeps_its_schema(case, bearer):
    case.call_and_validate(headers=bearer, excluded_checks=EXCLUDED)
