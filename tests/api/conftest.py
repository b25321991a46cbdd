from __future__ import annotations

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import Client, override_settings

from sanxin.api.services import token_issue


class ApiClient:
    """A test client that sends `Authorization: Bearer <token>` and reads JSON."""

    def __init__(self, token: str | None):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"} if token else {}

    def get(self, path: str, params: dict | None = None):
        return self.client.get(path, params or {}, headers=self.headers)

    def json(self, path: str, params: dict | None = None, status: int = 200):
        response = self.get(path, params)
        assert response.status_code == status, (response.status_code, response.content[:500])
        return response.json()


@pytest.fixture
def api_as(world):
    """api_as("committee_head") -> an ApiClient with a fresh token of that test user."""

    def _as(username: str) -> ApiClient:
        _token, value = token_issue(actor=world.users[username], name="test")
        return ApiClient(value)

    return _as


@pytest.fixture
def served_in_process():
    """For schemathesis, which calls Django's WSGI handler itself (the two
    test_schemathesis files):

    * the handler closes the database connection when a request finishes, which would
      end the test's transaction on PostgreSQL: the receivers are disconnected around
      the requests, as Django's own test client does;
    * hundreds of requests with one token within a minute, and requests with made-up
      tokens: the rate limits (tested in tests/api/test_rates.py) are raised out of
      the way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        with override_settings(
            SANXIN_API_READS_PER_MINUTE=1_000_000,
            SANXIN_API_WRITES_PER_MINUTE=1_000_000,
            SANXIN_API_AUTH_FAILURES_PER_MINUTE=1_000_000,
        ):
            yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)
