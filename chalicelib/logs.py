"""Structured JSON logs (Powertools Logger). Never the API key, never personal data: log ids only."""

from __future__ import annotations

import os

from aws_lambda_powertools import Logger

logger = Logger(service="catdata", level=os.environ.get("CATDATA_LOG_LEVEL", "INFO"))
