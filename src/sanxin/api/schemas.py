"""Small schemas the routers share."""

from __future__ import annotations

from ninja import Schema
from pydantic import Field


class RegionRef(Schema):
    id: int
    name: str = Field(description="名称")


class Labelled(Schema):
    value: str = Field(description="代码")
    label: str = Field(description="中文名称")
