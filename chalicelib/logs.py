"""Structured JSON logs (Powertools Logger). Never the API key, never personal data: log ids only."""

from __future__ import annotations

from aws_lambda_powertools import Logger

from .settings import load_settings

logger = Logger(service="catdata", level=load_settings().log_level)
