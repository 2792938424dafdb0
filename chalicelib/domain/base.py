"""The base of every model: pydantic builds a model's validator on first use instead of at import.

A Lambda cold start imports every route's models but one request uses a few of them; deferring the
build halves the app's import time (bench: cold_start).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Model(BaseModel):
    model_config = ConfigDict(defer_build=True)
