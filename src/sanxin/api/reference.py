"""The API reference page's content, read from the OpenAPI schema (so it can never
disagree with the API): the operations by tag with their parameters and answers,
and every schema with its fields."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sanxin.api.v1 import api

METHODS = ("get", "post", "put", "patch", "delete")


@dataclass
class Param:
    name: str
    where: str
    required: bool
    type: str
    description: str


@dataclass
class Operation:
    method: str
    path: str
    summary: str
    description: str
    params: list[Param]
    body: str
    ok_status: str
    ok_type: str
    error_statuses: list[str]
    anchor: str


@dataclass
class Group:
    tag: str
    operations: list[Operation] = field(default_factory=list)


@dataclass
class SchemaField:
    name: str
    type: str
    required: bool
    description: str


@dataclass
class SchemaDoc:
    name: str
    description: str
    fields: list[SchemaField]


@dataclass
class Reference:
    title: str
    version: str
    description: str
    groups: list[Group]
    schemas: list[SchemaDoc]


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def type_text(schema: dict[str, Any]) -> str:
    """A short readable type: `Page_RegionOut_`, `integer 或 null`, `RegionOut 的列表`."""
    if not schema:
        return "any"
    if "$ref" in schema:
        return _ref_name(schema["$ref"])
    for combinator in ("anyOf", "oneOf", "allOf"):
        if combinator in schema:
            return " 或 ".join(type_text(s) for s in schema[combinator])
    if "enum" in schema:
        return " | ".join(str(v) for v in schema["enum"])
    kind = schema.get("type", "any")
    if kind == "array":
        return f"{type_text(schema.get('items', {}))} 的列表"
    if "format" in schema:
        return f"{kind}（{schema['format']}）"
    bounds = [
        text
        for key, text in (
            ("minimum", "≥ {}"),
            ("maximum", "≤ {}"),
            ("minLength", "长度 ≥ {}"),
            ("maxLength", "长度 ≤ {}"),
        )
        if key in schema
        for text in [text.format(schema[key])]
    ]
    return f"{kind}（{'，'.join(bounds)}）" if bounds else str(kind)


def _operation(method: str, path: str, spec: dict[str, Any]) -> Operation:
    params = [
        Param(
            name=p["name"],
            where={"query": "查询参数", "path": "路径参数", "header": "请求头"}.get(
                p["in"], p["in"]
            ),
            required=bool(p.get("required")),
            type=type_text(p.get("schema", {})),
            description=p.get("description") or p.get("schema", {}).get("description", ""),
        )
        for p in spec.get("parameters", [])
    ]
    body = ""
    if "requestBody" in spec:
        content = spec["requestBody"].get("content", {})
        body = type_text(next(iter(content.values()), {}).get("schema", {}))
    answers = {str(status): answer for status, answer in spec.get("responses", {}).items()}
    ok = sorted(s for s in answers if s.startswith("2")) or [""]
    ok_schema = answers.get(ok[0], {}).get("content", {}).get("application/json", {})
    return Operation(
        method=method.upper(),
        path=path,
        summary=spec.get("summary", ""),
        description=spec.get("description", ""),
        params=params,
        body=body,
        ok_status=ok[0],
        ok_type=type_text(ok_schema.get("schema", {})) if ok_schema else "",
        error_statuses=sorted(s for s in answers if not s.startswith("2")),
        anchor=spec.get("operationId", f"{method}-{path}"),
    )


def from_schema(schema: dict[str, Any]) -> Reference:
    groups: dict[str, Group] = {}
    for path, item in schema.get("paths", {}).items():
        for method in METHODS:
            if method in item:
                spec = item[method]
                tag = (spec.get("tags") or ["其他"])[0]
                groups.setdefault(tag, Group(tag)).operations.append(_operation(method, path, spec))
    schemas = []
    for name, spec in sorted(schema.get("components", {}).get("schemas", {}).items()):
        required = set(spec.get("required", []))
        schemas.append(
            SchemaDoc(
                name=name,
                description=spec.get("description", ""),
                fields=[
                    SchemaField(
                        name=field_name,
                        type=type_text(field_spec),
                        required=field_name in required,
                        description=field_spec.get("description", ""),
                    )
                    for field_name, field_spec in spec.get("properties", {}).items()
                ],
            )
        )
    info = schema.get("info", {})
    return Reference(
        title=info.get("title", ""),
        version=info.get("version", ""),
        description=info.get("description", ""),
        groups=list(groups.values()),
        schemas=schemas,
    )


def build() -> Reference:
    return from_schema(api.get_openapi_schema())
