"""Every error in one shape: {status, code, message, errors}, in Chinese, declared
in the OpenAPI schema."""

from __future__ import annotations

import pytest

from sanxin.api.errors import ApiError
from sanxin.api.v1 import api as ninja_api

KEYS = {"status", "code", "message", "errors"}


def _shape(response, status: int, code: str) -> dict:
    assert response.status_code == status
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == KEYS and body["status"] == status and body["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])  # Chinese
    return body


def test_401_403_404_422_405(world, api_as, client):
    _shape(client.get("/api/v1/households"), 401, "unauthorized")
    _shape(api_as("display").get("/api/v1/households"), 403, "forbidden")
    api = api_as("committee_head")
    _shape(api.get(f"/api/v1/households/{world.household_b1.pk}"), 404, "not_found")
    _shape(api.get("/api/v1/no-such-thing"), 404, "not_found")
    body = _shape(api.get("/api/v1/households", {"limit": "many"}), 422, "invalid")
    assert body["errors"] == [
        {"loc": ["query", "limit"], "message": "应为整数", "type": "int_parsing"}
    ]
    body = _shape(api.get("/api/v1/households", {"regoin": "5"}), 422, "invalid")
    assert body["errors"][0]["loc"] == ["query", "regoin"]
    response = api.client.post("/api/v1/households", headers=api.headers)
    _shape(response, 405, "method_not_allowed")
    assert response["Allow"] == "GET"


def test_a_raised_conflict_and_a_crash(world, api_as, monkeypatch):
    from sanxin.api.routers import regions

    api = api_as("committee_head")

    def conflict(region):
        raise ApiError(409, "已经有了")

    monkeypatch.setattr(regions, "region_out", conflict)
    body = _shape(api.get(f"/api/v1/regions/{world.village_a1.pk}"), 409, "conflict")
    assert body["message"] == "已经有了"

    def crash(region):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(regions, "region_out", crash)
    response = api.get(f"/api/v1/regions/{world.village_a1.pk}")
    _shape(response, 500, "server_error")
    assert b"secret" not in response.content and b"Traceback" not in response.content


def test_every_operation_declares_the_error_shape():
    schema = ninja_api.get_openapi_schema()
    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == KEYS
    for path, item in schema["paths"].items():
        for method, spec in item.items():
            answers = {str(s) for s in spec["responses"]}
            assert {"401", "403", "404", "422", "500"} <= answers, (method, path)
            for status in answers - {"200", "201"}:
                ref = spec["responses"][int(status) if int(status) in spec["responses"] else status]
                assert ref["content"]["application/json"]["schema"]["$ref"].endswith("ErrorOut")
            assert spec.get("summary"), (method, path)
            assert spec.get("security") == [{"TokenAuth": []}], (method, path)


@pytest.mark.parametrize("path", ["/api/v1/openapi.json", "/api/v1/"])
def test_the_schema_and_root_need_no_token(client, path, db):
    assert client.get(path).status_code == 200
