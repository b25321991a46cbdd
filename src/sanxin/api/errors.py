"""The API's one error shape, for every error it answers:

    {"status": 404, "code": "not_found", "message": "未找到该对象或无权查看", "errors": []}

`errors` lists what was wrong field by field for a 422 (`loc` is the path: where —
"query", "path" or "body" — then the field names and list positions). Messages are in
Chinese (gettext). A 500 says only that something failed; the details go to the log.

Routers raise `ApiError(status, message, code=...)` for their own refusals (a 409
conflict, say), `Http404` for objects outside the caller's reach and
`PermissionDenied` for a permission they lack, exactly as the pages do; a service's
Django `ValidationError` becomes a 422 with its fields under "body". Declare the
answers of every operation with `responses(...)`, so the OpenAPI schema lists them."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.utils.translation import gettext as _
from ninja import Schema
from ninja.errors import AuthenticationError, HttpError, Throttled
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import Field

logger = logging.getLogger(__name__)


class ErrorItem(Schema):
    loc: list[str | int] = Field(description="出错的位置：query/path/body，然后是字段名")
    message: str = Field(description="错误说明")
    type: str = Field(description="错误类型（机器可读）")


class ErrorOut(Schema):
    status: int = Field(description="HTTP 状态码")
    code: str = Field(
        description="错误代码：unauthorized、forbidden、not_found、method_not_allowed、"
        "conflict、invalid、throttled、server_error"
    )
    message: str = Field(description="错误说明（中文）")
    errors: list[ErrorItem] = Field(default_factory=list, description="逐项的错误（422）")


CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    422: "invalid",
    429: "throttled",
    500: "server_error",
}

# The errors every authenticated operation may answer (429: the rate limits, api/rates.py).
COMMON = (401, 403, 404, 422, 429, 500)


def responses(ok: Any, *codes: int, status: int = 200) -> dict[int, Any]:
    """The `response=` of an operation: `ok` for `status`, ErrorOut for the common
    errors and for `codes` (e.g. 409)."""
    answers: dict[int, Any] = {status: ok}
    for code in (*COMMON, *codes):
        answers[code] = ErrorOut
    return answers


class ApiError(HttpError):
    """A refusal with its own status and Chinese message (`code` defaults from the status)."""

    def __init__(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        errors: list[dict] | None = None,
    ) -> None:
        super().__init__(status, message)
        self.code = code or CODES.get(status, "error")
        self.errors = errors or []


def error_body(
    status: int, message: str, *, code: str | None = None, errors: list[dict] | None = None
) -> dict[str, Any]:
    return {
        "status": status,
        "code": code or CODES.get(status, "error"),
        "message": str(message),
        "errors": errors or [],
    }


def error_response(
    status: int, message: str, *, code: str | None = None, errors: list[dict] | None = None
) -> JsonResponse:
    return JsonResponse(
        error_body(status, message, code=code, errors=errors),
        status=status,
        json_dumps_params={"ensure_ascii": False},
    )


# --- pydantic's validation errors in Chinese -----------------------------------------


def _validation_message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages: dict[str, Callable[[], str]] = {
        "missing": lambda: _("必须填写"),
        "int_parsing": lambda: _("应为整数"),
        "int_type": lambda: _("应为整数"),
        "int_from_float": lambda: _("应为整数"),
        "decimal_parsing": lambda: _("应为数字"),
        "float_parsing": lambda: _("应为数字"),
        "bool_parsing": lambda: _("应为 true 或 false"),
        "date_from_datetime_parsing": lambda: _("应为日期（YYYY-MM-DD）"),
        "date_parsing": lambda: _("应为日期（YYYY-MM-DD）"),
        "datetime_parsing": lambda: _("应为时间（ISO 8601）"),
        "string_type": lambda: _("应为文字"),
        "string_too_short": lambda: _("太短"),
        "string_too_long": lambda: _("太长"),
        "greater_than_equal": lambda: _("不能小于 %(n)s") % {"n": ctx.get("ge")},
        "greater_than": lambda: _("必须大于 %(n)s") % {"n": ctx.get("gt")},
        "less_than_equal": lambda: _("不能大于 %(n)s") % {"n": ctx.get("le")},
        "less_than": lambda: _("必须小于 %(n)s") % {"n": ctx.get("lt")},
        "enum": lambda: _("不是可选的值"),
        "literal_error": lambda: _("不是可选的值"),
        "json_invalid": lambda: _("不是有效的 JSON"),
        "model_attributes_type": lambda: _("格式不对"),
        "dict_type": lambda: _("格式不对"),
        "list_type": lambda: _("应为列表"),
    }
    return messages.get(kind, lambda: _("取值无效"))()


def _item(loc, message: str, kind: str) -> dict:
    return {
        "loc": [p if isinstance(p, int) else str(p) for p in loc],
        "message": message,
        "type": kind,
    }


def validation_items(errors: list[dict]) -> list[dict]:
    return [
        _item(e.get("loc", ()), _validation_message(e), e.get("type", "invalid")) for e in errors
    ]


def django_validation_items(exc: DjangoValidationError) -> list[dict]:
    """A service's ValidationError, field by field (non-field messages at ["body"])."""
    if hasattr(exc, "error_dict"):
        return [
            _item(["body"] if field == "__all__" else ["body", field], message, "invalid")
            for field, messages in exc.message_dict.items()
            for message in messages
        ]
    return [_item(["body"], message, "invalid") for message in exc.messages]


# --- the handlers --------------------------------------------------------------------


def install(api) -> None:
    """Answer every exception of the API's operations with the one shape."""

    def respond(request, status, message, **kw) -> HttpResponse:
        return api.create_response(request, error_body(status, message, **kw), status=status)

    def on_authentication(request, exc):
        response = respond(request, 401, _("未认证：请在 Authorization 头中提供有效的令牌"))
        response["WWW-Authenticate"] = 'Bearer realm="sanxin"'
        return response

    def on_throttled(request, exc: Throttled):
        wait = exc.wait or 1
        response = respond(
            request, 429, _("请求太频繁，请在 %(n)s 秒后再试") % {"n": math.ceil(wait)}
        )
        response["Retry-After"] = str(math.ceil(wait))  # RFC 9110: delay-seconds
        return response

    def on_api_error(request, exc: ApiError):
        return respond(request, exc.status_code, exc.message, code=exc.code, errors=exc.errors)

    def on_http_error(request, exc: HttpError):
        return respond(request, exc.status_code, _("请求无法处理"))

    def on_validation(request, exc: NinjaValidationError):
        return respond(request, 422, _("请求参数有误"), errors=validation_items(exc.errors))

    def on_django_validation(request, exc: DjangoValidationError):
        return respond(request, 422, _("请求未通过校验"), errors=django_validation_items(exc))

    def on_not_found(request, exc):
        return respond(request, 404, _("未找到该对象，或无权查看"))

    def on_denied(request, exc):
        return respond(request, 403, _("无权进行此操作"))

    def on_other(request, exc):
        logger.error("API error on %s", request.path, exc_info=exc, extra={"request": request})
        return respond(request, 500, _("服务器出错了，请稍后再试"))

    for exc_class, handler in [
        (AuthenticationError, on_authentication),
        (Throttled, on_throttled),
        (ApiError, on_api_error),
        (HttpError, on_http_error),
        (NinjaValidationError, on_validation),
        (DjangoValidationError, on_django_validation),
        (Http404, on_not_found),
        (PermissionDenied, on_denied),
        (Exception, on_other),
    ]:
        api.add_exception_handler(exc_class, handler)


def guard(view, query_names: Callable[[HttpRequest], set[str] | None]):
    """Wrap one of the API's URL views: a query parameter the operation does not
    declare is refused with a 422 (a mistyped filter must not silently widen a list),
    and a method the path does not have answers 405 in the error shape (ninja answers
    it in plain text) with the Allow header. `query_names(request)` gives the declared
    query parameters of the request's operation (None: no such operation)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        declared = query_names(request)
        if declared is not None:
            unknown = sorted(set(request.GET) - declared)
            if unknown:
                return error_response(
                    422,
                    _("请求参数有误"),
                    errors=[
                        _item(["query", name], _("没有这个参数"), "unknown") for name in unknown
                    ],
                )
        response = view(request, *args, **kwargs)
        if isinstance(response, HttpResponseNotAllowed):
            allowed = response["Allow"]
            response = error_response(405, _("不支持该请求方法"))
            response["Allow"] = allowed
        return response

    return wrapper


def not_found_view(request: HttpRequest, rest: str = "") -> HttpResponse:
    """Any URL under the API's prefix that names no operation."""
    return error_response(404, _("没有这个接口"))
