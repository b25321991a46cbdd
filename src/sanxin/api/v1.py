"""The API v1: one NinjaAPI, its routers (one line each), its URL patterns.

Add a domain: write `routers/<domain>.py` with `router = Router(tags=["中文名"])` and
its operations (each begins with `auth.require(request, Perm.X)`, reads through the
scope, declares `response=errors.responses(...)`, has a Chinese summary), then add
one `api.add_router("", <domain>.router)` line below. Its URLs are named after the
operation functions (`api_v1:<function>`): name them `<domain>_<action>`, and give
each a case in tests/access_cases/ (see tests/access_cases/api.py)."""

from __future__ import annotations

import functools
import re

from django.http import JsonResponse
from django.urls import re_path, reverse
from ninja import NinjaAPI
from ninja.renderers import JSONRenderer

from sanxin.api import errors
from sanxin.api.auth import TokenAuth
from sanxin.api.routers import cycles, grades, households, ledger, lending, regions, rewards

DESCRIPTION = """三信平台开放接口（第 1 版）。

认证：每个请求带上 `Authorization: Bearer <令牌>`。令牌在“我的接口令牌”页面创建，只显示一次；
令牌的权限与其所属用户在界面上的权限完全相同（同样的辖区、同样的权限、同样的字段遮蔽）。

错误：所有错误都是同一个 JSON 形状 `{status, code, message, errors}`，message 为中文，
422 时 errors 逐项给出出错的位置（loc）和说明。

分页：列表接口用游标分页，参数 `limit`（最多 200）和 `cursor`（上一页返回的 `next`），
返回 `{items, next}`；`next` 为 null 时已是最后一页。"""


class _Renderer(JSONRenderer):
    json_dumps_params = {"ensure_ascii": False}  # Chinese as it is, not \\u escapes


class _Api(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        """The operation's function name (`regions_list`), as its URL name."""
        return operation.view_func.__name__


api = _Api(
    title="三信平台开放接口",
    version="1",
    description=DESCRIPTION,
    auth=TokenAuth(),
    urls_namespace="api_v1",
    openapi_url="/openapi.json",
    renderer=_Renderer(),
    docs_url=None,  # our own page: sanxin.api.views.docs (no inline script, no CDN)
)
errors.install(api)

api.add_router("", regions.router)
api.add_router("", households.router)
api.add_router("", grades.router)
api.add_router("", cycles.router)
api.add_router("", lending.router)
api.add_router("", rewards.router)
api.add_router("", ledger.router)


def _root(request, **kwargs) -> JsonResponse:
    """/api/v1/: where the schema and the reference page are (no data, no login)."""
    return JsonResponse(
        {
            "title": api.title,
            "version": api.version,
            "openapi": reverse("api_v1:openapi-json"),
            "docs": reverse("api:docs"),
        },
        json_dumps_params={"ensure_ascii": False},
    )


@functools.cache
def _declared_query() -> dict[tuple[str, str], set[str]]:
    """{(OpenAPI path, METHOD): names of its query parameters}, from the schema."""
    declared = {}
    for path, item in api.get_openapi_schema()["paths"].items():
        for method, spec in item.items():
            names = {p["name"] for p in spec.get("parameters", []) if p["in"] == "query"}
            declared[path, method.upper()] = names
    return declared


def _query_names(request) -> set[str] | None:
    route = request.resolver_match.route if request.resolver_match else ""
    path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)
    return _declared_query().get((path, request.method))


def urls() -> tuple[list, str, str]:
    """The API's URL patterns (for `path("api/v1/", urls())`): ninja's, guarded
    (`errors.guard`: undeclared query parameters refused, a wrong method answered in
    the error shape), and a JSON 404 for any other path under the prefix."""
    patterns, app_name, namespace = api.urls
    for pattern in patterns:
        if pattern.name == "api-root":  # ninja's is a bare 404 that names the docs URL
            pattern.callback = _root
        else:
            pattern.callback = errors.guard(pattern.callback, _query_names)
    patterns = [*patterns, re_path(r"^(?P<rest>.*)$", errors.not_found_view)]
    return patterns, app_name, namespace
