from __future__ import annotations

import pytest
from django.test import Client

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
