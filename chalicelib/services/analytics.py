"""Named analytics queries: the client picks a name and parameters; the server adds the scope and runs the SQL.

Never raw SQL from a request: each name maps to a file of chalicelib/lake/sql and a pydantic model of its
parameters. Every file filters on `prefecture_id IN scope_prefectures OR municipality_id IN
scope_municipalities` (both comma-separated lists bound as `?`), and only this service computes them: the
requested municipality or prefecture intersected with the key's scope. A query id is an engine id sealed
with an HMAC of the key's scope, so only keys with the same scope can read its results.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from ..domain.errors import Forbidden, InvalidInput, NotFound, invalid_input
from ..domain.keys import Principal, Role
from ..domain.models import MunicipalityId, today_in_japan
from ..domain.municipality import MunicipalityRegistry
from ..lake.sql_files import load_sql
from ..ports import AnalyticsEngine, AnalyticsState
from .tokens import PageTokenCodec

FISCAL_YEAR_MIN = 2000
FISCAL_YEAR_MAX = 2100
DEFAULT_PAGE_ROWS = 100
MAX_PAGE_ROWS = 1000


class _Target(BaseModel):
    model_config = ConfigDict(extra="forbid")

    municipality_id: MunicipalityId | None = Field(default=None, description="One municipality (JIS X 0402)")
    prefecture_id: str | None = Field(
        default=None, pattern=r"^(0[1-9]|[1-3][0-9]|4[0-7])$", description="Every municipality of a prefecture"
    )

    @model_validator(mode="after")
    def _one_target(self) -> _Target:
        if self.municipality_id is not None and self.prefecture_id is not None:
            raise ValueError("give municipality_id or prefecture_id, not both")
        return self


class FiscalYearParameters(_Target):
    """Without municipality_id or prefecture_id: every municipality the key may see."""

    fiscal_year: int = Field(ge=FISCAL_YEAR_MIN, le=FISCAL_YEAR_MAX, description="年度 (April–March)")


class CatsNowParameters(_Target):
    as_of: dt.date | None = Field(default=None, description="Date days in care are counted to (default: today, JST)")


@dataclass(frozen=True)
class NamedQuery:
    name: str
    sql_file: str
    parameters: type[_Target]
    description: str


QUERIES: dict[str, NamedQuery] = {
    q.name: q
    for q in (
        NamedQuery("intake_outcome", "intake_outcome", FiscalYearParameters, "環境省 intake/outcome table"),
        NamedQuery("sac", "sac", FiscalYearParameters, "Shelter Animals Count Basic Data Matrix"),
        NamedQuery("tnr_by_area", "tnr_by_area", FiscalYearParameters, "TNR progress per area"),
        NamedQuery(
            "complaints_by_area_month", "complaints_by_area_month", FiscalYearParameters, "Complaints by area, month"
        ),
        NamedQuery("events", "events", FiscalYearParameters, "Events of a fiscal year (no personal data)"),
        NamedQuery("cats_now", "cats_now", CatsNowParameters, "Known cats by area and status, days in care"),
    )
}


class StartQueryRequest(BaseModel):
    """Body of POST /analytics/queries."""

    model_config = ConfigDict(extra="forbid")

    query: str = Field(description="One of: " + ", ".join(sorted(QUERIES)))
    parameters: dict[str, Any] = Field(default_factory=dict)


@dataclass(frozen=True)
class QueryResult:
    """GET /analytics/queries/{query_id}: rows are lists in the order of `columns`."""

    query_id: str
    state: AnalyticsState
    columns: list[str] = field(default_factory=list)
    rows: list[list[Any]] = field(default_factory=list)
    next_token: str | None = None
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "query_id": self.query_id,
            "state": self.state,
            "columns": self.columns,
            "rows": self.rows,
            "next_token": self.next_token,
        }
        if self.reason is not None:
            body["reason"] = self.reason
        return body


@dataclass(frozen=True)
class ScopeFilter:
    prefectures: tuple[str, ...]
    municipalities: tuple[str, ...]

    def value(self, name: str) -> str:
        return ",".join(self.prefectures if name == "scope_prefectures" else self.municipalities)


class AnalyticsService:
    def __init__(
        self,
        engine: AnalyticsEngine,
        secret: bytes,
        municipalities: MunicipalityRegistry,
        today: Callable[[], dt.date] = today_in_japan,
    ) -> None:
        if not secret:
            raise ValueError("the analytics service needs a secret to seal query ids")
        self._engine = engine
        self._tokens = PageTokenCodec(secret)
        self._municipalities = municipalities
        self._today = today

    # ---- POST /analytics/queries ----

    def start(self, principal: Principal, request: StartQueryRequest | Mapping[str, Any]) -> str:
        """Validate, scope and start a named query; the query id to poll."""
        principal.require(Role.viewer)
        body = request if isinstance(request, StartQueryRequest) else _validated(StartQueryRequest, request, ("body",))
        named = QUERIES.get(body.query)
        if named is None:
            raise InvalidInput(
                f"unknown query '{body.query[:40]}'",
                errors=[{"loc": ["body", "query"], "msg": "one of " + ", ".join(sorted(QUERIES))}],
            )
        parameters = _validated(named.parameters, body.parameters, ("body", "parameters"))
        scope = self.scope_filter(principal, parameters.municipality_id, parameters.prefecture_id)
        sql_file = load_sql(named.sql_file)
        values = [self._bind(name, parameters, scope) for name in sql_file.params]
        engine_id = self._engine.start(named.name, sql_file.text, values)
        return self._seal(engine_id, principal)

    def scope_filter(self, principal: Principal, municipality_id: str | None, prefecture_id: str | None) -> ScopeFilter:
        """What the SQL may read: the requested target intersected with the key's scope; Forbidden if empty."""
        if municipality_id is not None:
            self._known("municipality_id", municipality_id, self._municipalities.get)
            if not principal.covers(municipality_id):
                raise Forbidden(f"this key's scope does not include municipality {municipality_id}")
            return ScopeFilter((), (municipality_id,))
        if prefecture_id is not None:
            self._known("prefecture_id", prefecture_id, self._municipalities.prefecture)
            if principal.is_global or prefecture_id in principal.scope:
                return ScopeFilter((prefecture_id,), ())
            mine = tuple(sorted(s for s in principal.scope if len(s) == 6 and s[:2] == prefecture_id))
            if not mine:
                raise Forbidden(f"this key's scope includes no municipality of prefecture {prefecture_id}")
            return ScopeFilter((), mine)
        if principal.is_global:
            return ScopeFilter(tuple(f"{n:02d}" for n in range(1, 48)), ())
        return ScopeFilter(
            tuple(sorted(s for s in principal.scope if len(s) == 2)),
            tuple(sorted(s for s in principal.scope if len(s) == 6)),
        )

    @staticmethod
    def _known(name: str, code: str, lookup: Callable[[str], object]) -> None:
        """A code in the body must be in the official list: 400 naming the parameter (not a path 404)."""
        try:
            lookup(code)
        except (InvalidInput, NotFound):
            raise InvalidInput(
                f"{name} '{code[:20]}' is not a known code",
                errors=[{"loc": ["body", "parameters", name], "msg": "not in the JIS X 0402 list"}],
            ) from None

    def _bind(self, name: str, parameters: _Target, scope: ScopeFilter) -> Any:
        if name in ("scope_prefectures", "scope_municipalities"):
            return scope.value(name)
        if name == "as_of":
            as_of = getattr(parameters, "as_of", None) or self._today()
            return as_of.isoformat()
        return getattr(parameters, name)

    # ---- GET /analytics/queries/{query_id} ----

    def result(
        self, principal: Principal, query_id: str, next_token: str | None = None, limit: int | None = None
    ) -> QueryResult:
        principal.require(Role.viewer)
        engine_id = self._unseal(query_id, principal)
        rows = DEFAULT_PAGE_ROWS if limit is None else limit
        if not 1 <= rows <= MAX_PAGE_ROWS:
            raise InvalidInput(
                f"limit must be 1..{MAX_PAGE_ROWS}", errors=[{"loc": ["query", "limit"], "msg": "out of range"}]
            )
        status = self._engine.status(engine_id)
        if status.state != "SUCCEEDED":
            return QueryResult(query_id=query_id, state=status.state, reason=status.reason)
        engine_token = self._open_page_token(next_token, query_id) if next_token else None
        page = self._engine.results(engine_id, engine_token, rows)
        return QueryResult(
            query_id=query_id,
            state="SUCCEEDED",
            columns=page.columns,
            rows=page.rows,
            next_token=self._page_token(page.next_token, query_id) if page.next_token else None,
        )

    # ---- sealing ----

    @staticmethod
    def _scope_key(principal: Principal) -> str:
        return ",".join(sorted(set(principal.scope)))

    def _seal(self, engine_id: str, principal: Principal) -> str:
        token = self._tokens.encode({"q": engine_id}, f"analytics-query:{self._scope_key(principal)}")
        assert token is not None
        return token

    def _unseal(self, query_id: str, principal: Principal) -> str:
        """The engine id, if this key's scope started the query; NotFound otherwise (ids reveal nothing)."""
        try:
            sealed = self._tokens.decode(query_id, f"analytics-query:{self._scope_key(principal)}")
        except InvalidInput:
            raise NotFound("no such query") from None
        engine_id = sealed.get("q") if sealed else None
        if not isinstance(engine_id, str):
            raise NotFound("no such query")
        return engine_id

    def _page_token(self, engine_token: str, query_id: str) -> str:
        token = self._tokens.encode({"t": engine_token}, f"analytics-page:{query_id}")
        assert token is not None
        return token

    def _open_page_token(self, token: str, query_id: str) -> str:
        opened = self._tokens.decode(token, f"analytics-page:{query_id}")
        engine_token = opened.get("t") if opened else None
        if not isinstance(engine_token, str):
            raise InvalidInput(
                "next_token is not valid for this query",
                errors=[{"loc": ["query", "next_token"], "msg": "invalid token"}],
            )
        return engine_token


def _validated[M: BaseModel](model: type[M], data: Any, loc: tuple[str, ...]) -> M:
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(exc, "invalid analytics query", *loc) from None
