"""Chalice entry point: wiring only. Routes live in chalicelib/api, use cases in chalicelib/services."""

from chalice.app import Chalice

from chalicelib import api
from chalicelib.bootstrap import get_container

app = Chalice(app_name="catdata")
api.install(app, get_container)
