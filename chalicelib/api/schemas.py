"""Request query models and response envelopes shared by the blueprints (also the OpenAPI components)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import AwareDatetime, ConfigDict, Field

from ..domain.base import Model
from ..domain.models import Cat, CatFilter, CatStatus, Complaint, Event


class PageQuery(Model):
    model_config = ConfigDict(extra="forbid")

    limit: int = Field(default=50, ge=1, le=100, description="Page size, 1-100")
    next_token: str | None = Field(default=None, max_length=4096, description="Opaque token from the previous page")


class CatListQuery(PageQuery):
    status: CatStatus | None = None
    area: str | None = Field(default=None, min_length=1, max_length=100)
    neutered: bool | None = None
    updated_since: AwareDatetime | None = Field(default=None, description="ISO 8601 with offset")

    def to_filter(self) -> CatFilter:
        return CatFilter(status=self.status, area=self.area, neutered=self.neutered, updated_since=self.updated_since)


class CatPage(Model):
    items: list[Cat]
    next_token: str | None


class EventList(Model):
    items: list[Event]


class ComplaintPage(Model):
    items: list[Complaint]
    next_token: str | None


class MunicipalityOut(Model):
    municipality_id: str = Field(description="全国地方公共団体コード (JIS X 0402)")
    name: str
    full_name: str
    prefecture_id: str
    prefecture_name: str
    name_kana: str


class MunicipalityPage(Model):
    items: list[MunicipalityOut]
    next_token: str | None


class Health(Model):
    status: Literal["ok"]
    backend: Literal["local", "aws"]
    stage: str
    version: str


class Problem(Model):
    """RFC 9457 problem details."""

    model_config = ConfigDict(extra="allow")

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] | None = None
