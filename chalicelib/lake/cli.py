"""`catdata lake ...`: publish the local change feed to the lake and compact raw/ into curated/ Parquet.

Registered by chalicelib/cli.py with `add_lake_commands(commands)`. Each command takes the container and its
parsed arguments and returns the exit code, like the other catdata commands.
"""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..bootstrap import Container


def _publish(container: Container) -> int | None:
    """Publish the local outbox; the number of changes written, or None in AWS (DynamoDB Streams publishes)."""
    if not container.is_local:
        return None
    report = container.outbox_publisher.publish()
    print(
        f"published {report.changes} changes in {report.objects} lake objects "
        f"(up to change {report.last_sequence or '-'}) to {container.settings.home / 'lake'}"
    )
    return report.changes


def _lake_publish(container: Container, _: argparse.Namespace) -> int:
    if _publish(container) is None:
        print("nothing to publish here: in AWS, DynamoDB Streams feeds the lake", file=sys.stderr)
        return 2
    return 0


def _lake_compact(container: Container, _: argparse.Namespace) -> int:
    _publish(container)
    report = container.lake_compactor.compact()
    for table, rows in sorted(report.tables.items()):
        # Athena runs its MERGE statements after the command returns: they have no count yet.
        print(f"{table}: {'started in Athena' if rows < 0 else f'{rows} rows'}")
    return 0


def add_lake_commands(subparsers: Any) -> None:
    """Add `lake publish` and `lake compact` to catdata's subcommands (argparse's _SubParsersAction)."""
    lake = subparsers.add_parser("lake", help="the data lake: change feed and curated tables")
    commands = lake.add_subparsers(dest="lake_command", required=True)
    commands.add_parser(
        "publish", help="write committed changes from the local outbox to CATDATA_HOME/lake/raw"
    ).set_defaults(run=_lake_publish)
    commands.add_parser(
        "compact",
        help="publish, then compact raw/ into curated/ Parquet (DuckDB locally; Athena MERGE in AWS)",
    ).set_defaults(run=_lake_compact)
