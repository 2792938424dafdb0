"""`catdata lake publish` and `catdata lake compact` on the local backend."""

from __future__ import annotations

import argparse
from pathlib import Path

import pytest

from chalicelib.bootstrap import Container
from chalicelib.domain.models import RECORD_EVENT_ADAPTER, RegisterCatRequest
from chalicelib.lake.cli import add_lake_commands
from chalicelib.settings import Settings

CHIYODA = "131016"


def run(container: Container, *argv: str) -> int:
    parser = argparse.ArgumentParser(prog="catdata")
    add_lake_commands(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    code: int = args.run(container, args)
    return code


@pytest.fixture
def container(tmp_path: Path) -> Container:
    container = Container(Settings(backend="local", stage="test", home=tmp_path / "catdata"))
    for area in ("神田一丁目", "丸の内一丁目"):
        cat = container.cats.register(CHIYODA, RegisterCatRequest(area=area))
        event = {"type": "intake", "occurred_on": "2025-05-10", "intake_type": "ownerless", "age_class": "adult"}
        container.cats.record_event(CHIYODA, cat.cat_id, RECORD_EVENT_ADAPTER.validate_python(event))
    return container


def test_lake_publish_writes_the_outbox_to_the_raw_lake_once(container: Container, capsys) -> None:
    assert run(container, "lake", "publish") == 0
    first = capsys.readouterr().out
    raw_files = sorted((container.settings.home / "lake" / "raw").rglob("*.ndjson.gz"))
    assert raw_files and "published" in first and " 0 changes" not in first
    assert run(container, "lake", "publish") == 0
    assert "published 0 changes" in capsys.readouterr().out
    assert sorted((container.settings.home / "lake" / "raw").rglob("*.ndjson.gz")) == raw_files


def test_lake_compact_publishes_then_writes_curated_parquet_and_prints_the_counts(container: Container, capsys) -> None:
    assert run(container, "lake", "compact") == 0
    out = capsys.readouterr().out
    assert "published" in out
    assert "curated_cat: 2 rows" in out and "curated_event: 2 rows" in out and "curated_complaint: 0 rows" in out
    assert list((container.settings.home / "lake" / "curated" / "cat").rglob("*.parquet"))


def test_lake_needs_a_subcommand(container: Container) -> None:
    with pytest.raises(SystemExit):
        run(container, "lake")
