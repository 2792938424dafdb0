"""One validated settings object, read from the environment once (services never read os.environ)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

PROJECT_ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    backend: Literal["local", "aws"] = "local"
    stage: str = "local"
    home: Path = Field(default=PROJECT_ROOT / ".catdata", description="all local state (CATDATA_HOME)")
    table_name: str = "catdata"
    control_table_name: str = "catdata-control"
    photo_bucket: str = "catdata-photos"
    lake_bucket: str = "catdata-lake"
    athena_workgroup: str = "catdata"
    athena_output: str = ""
    glue_database: str = "catdata"
    public_url: str = Field(default="http://127.0.0.1:8000", description="where `chalice local` is reached")
    usage_plan_id: str = ""
    token_secret: str = Field(default="", repr=False)
    max_body_bytes: int = 1024 * 1024
    idempotency_ttl_seconds: int = 24 * 3600
    log_level: str = "INFO"

    @property
    def sqlite_path(self) -> Path:
        return self.home / "catdata.sqlite3"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        mapping = {
            "backend": "CATDATA_BACKEND",
            "stage": "CATDATA_STAGE",
            "home": "CATDATA_HOME",
            "table_name": "CATDATA_TABLE",
            "control_table_name": "CATDATA_CONTROL_TABLE",
            "photo_bucket": "CATDATA_PHOTO_BUCKET",
            "lake_bucket": "CATDATA_LAKE_BUCKET",
            "athena_workgroup": "CATDATA_ATHENA_WORKGROUP",
            "athena_output": "CATDATA_ATHENA_OUTPUT",
            "glue_database": "CATDATA_GLUE_DATABASE",
            "public_url": "CATDATA_PUBLIC_URL",
            "usage_plan_id": "CATDATA_USAGE_PLAN_ID",
            "token_secret": "CATDATA_TOKEN_SECRET",
            "log_level": "CATDATA_LOG_LEVEL",
        }
        values = {field: env[name] for field, name in mapping.items() if env.get(name)}
        return cls.model_validate(values)


@lru_cache(maxsize=1)
def load_settings() -> Settings:
    return Settings.from_env(os.environ)
