"""Cursor pagination for the API's lists: keyset pages over a stable ordering.

A list operation takes `PageQuery` (`cursor`, `limit` ≤ MAX_LIMIT) and answers
`Page[ItemOut]` (`{"items": [...], "next": "<cursor>" | null}`):

    @router.get("/things", response=responses(Page[ThingOut]))
    def things_list(request, page: Query[PageQuery]):
        rows = request.scope.filter(Thing.objects)
        return paginate(rows, page, order=("village__path", "id"), key="things",
                        items=lambda rows: [thing_out(t) for t in rows])

`order` names the ordering (fields or `__` paths, "-" for descending); its last
field must be unique (the id) and none may be NULL; their values must be integers
or text. The cursor holds the ordering's
values of the page's last row, signed with SECRET_KEY and the list's `key` (so it
cannot be forged or carried to another list), and opaque to clients. A page costs
one query for its rows (limit + 1, to know whether another page follows); `items`
gets the whole page's rows at once so it can fetch what they need in a fixed number
of further queries — never per row."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import reduce
from typing import Any, Generic, TypeVar

from django.core import signing
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import Field

from sanxin.api.errors import ApiError

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
SALT = "sanxin.api.cursor"

T = TypeVar("T")


class PageQuery(Schema):
    cursor: str | None = Field(
        None, description="上一页返回的 next 值；取第一页时不填", max_length=500
    )
    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"每页条数，最多 {MAX_LIMIT}")


class Page(Schema, Generic[T]):
    items: list[T] = Field(description="本页的条目")
    next: str | None = Field(description="下一页的游标；为 null 时已是最后一页")


def _after(order: Sequence[str], values: list) -> Q:
    """Rows after `values` in `order`: (a > x) or (a = x and b > y) or ..."""
    parts = []
    for i, field in enumerate(order):
        name = field.lstrip("-")
        op = "lt" if field.startswith("-") else "gt"
        equal = {f.lstrip("-"): v for f, v in zip(order[:i], values[:i], strict=True)}
        parts.append(Q(**equal, **{f"{name}__{op}": values[i]}))
    return reduce(lambda a, b: a | b, parts)


def _bad_cursor() -> ApiError:
    return ApiError(
        422,
        _("请求参数有误"),
        errors=[{"loc": ["query", "cursor"], "message": _("游标无效或已过期"), "type": "cursor"}],
    )


def encode(values: list, key: str) -> str:
    return signing.dumps(values, salt=f"{SALT}:{key}", compress=True)


def decode(cursor: str, key: str, size: int) -> list:
    try:
        values = signing.loads(cursor, salt=f"{SALT}:{key}")
    except signing.BadSignature:
        raise _bad_cursor() from None
    if not isinstance(values, list) or len(values) != size:
        raise _bad_cursor()
    return values


def paginate(
    queryset: QuerySet,
    page: PageQuery,
    *,
    order: Sequence[str],
    key: str,
    items: Callable[[list], list] | None = None,
) -> dict[str, Any]:
    """One page of `queryset` in `order` after `page.cursor`: {items, next}."""
    keys = {f"pagekey{i}": F(f.lstrip("-")) for i, f in enumerate(order)}
    queryset = queryset.annotate(**keys).order_by(*order)
    if page.cursor:
        queryset = queryset.filter(_after(order, decode(page.cursor, key, len(order))))
    rows = list(queryset[: page.limit + 1])
    more = len(rows) > page.limit
    rows = rows[: page.limit]
    following = None
    if more:
        last = rows[-1]
        following = encode([getattr(last, k) for k in keys], key)
    return {"items": items(rows) if items else rows, "next": following}
