"""`catdata`: keys, local state and demo data, for the backend the environment names.

Locally (the default) it works on CATDATA_HOME. For an AWS stage, set CATDATA_BACKEND=aws and the
stage's CATDATA_* variables (README, "Deploy"): keys then go to DynamoDB and API Gateway's usage plan.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .bootstrap import Container, get_container
from .domain.errors import DomainError
from .domain.keys import Role
from .lake.cli import add_lake_commands


def _init(container: Container, _: argparse.Namespace) -> int:
    container.settings.home.mkdir(parents=True, exist_ok=True)
    # Opening the stores creates their schema; the secret is made once.
    for ready in (container.cat_store, container.key_store, container.idempotency_store, container.secret):
        assert ready is not None
    print(f"local state ready in {container.settings.home}")
    return 0


def _keys_create(container: Container, args: argparse.Namespace) -> int:
    scope = [entry for value in args.scope for entry in value.split(",") if entry.strip()]
    record, key = container.keys.create(Role(args.role), scope, args.description)
    print(f"created key {record.key_id}: role {record.role.value}, scope {','.join(record.scope)}")
    print("the key is shown once; store it now:", file=sys.stderr)
    print(key)
    return 0


def _keys_list(container: Container, args: argparse.Namespace) -> int:
    records = [record.public() for record in container.keys.list_keys()]
    if args.json:
        print(json.dumps(records, ensure_ascii=False, indent=2))
        return 0
    for item in records:
        state = "revoked" if item["revoked_at"] else "active"
        print(
            f"{item['key_id']}  {item['role']:<6}  {','.join(item['scope']):<20}  {state:<7}  "  # type: ignore[arg-type]
            f"created {item['created_at']}  last used {item['last_used_at'] or '-'}"
        )
    return 0


def _keys_revoke(container: Container, args: argparse.Namespace) -> int:
    container.keys.revoke(args.key_id)
    print(f"revoked key {args.key_id}")
    return 0


def _seed(container: Container, args: argparse.Namespace) -> int:
    from .domain.models import CatFilter
    from .services.demo import DEMO_MUNICIPALITIES, DemoSeeder

    if not args.demo:
        print("nothing to seed: pass --demo", file=sys.stderr)
        return 2
    first = next(iter(DEMO_MUNICIPALITIES))
    if container.cats.list_cats(first, CatFilter(), 1, None).items and not args.force:
        print(f"municipality {first} already has cats: the demo data looks seeded (use --force to add more)")
        return 0
    summary = DemoSeeder(container.cats, container.complaints).seed()
    print(
        f"seeded {summary.cats} cats, {summary.events} events and {summary.complaints} complaints "
        f"in {summary.municipalities} municipalities of 東京都 ({', '.join(DEMO_MUNICIPALITIES)})"
    )
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="catdata", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    commands.add_parser("init", help="prepare local state under CATDATA_HOME").set_defaults(run=_init)

    keys = commands.add_parser("keys", help="API keys").add_subparsers(dest="keys_command", required=True)
    create = keys.add_parser("create", help="create a key (printed once, alone on the last line)")
    create.add_argument("--role", required=True, choices=[role.value for role in Role])
    create.add_argument(
        "--scope",
        required=True,
        action="append",
        help="'*', a prefecture code (13) or a municipality code (131016); repeat or comma-separate",
    )
    create.add_argument("--description", default=None)
    create.set_defaults(run=_keys_create)
    listing = keys.add_parser("list", help="list keys (never the keys themselves)")
    listing.add_argument("--json", action="store_true")
    listing.set_defaults(run=_keys_list)
    revoke = keys.add_parser("revoke", help="revoke a key by its id")
    revoke.add_argument("key_id")
    revoke.set_defaults(run=_keys_revoke)

    seed = commands.add_parser("seed", help="load data")
    seed.add_argument("--demo", action="store_true", help="the demo data set (4 wards of Tokyo, FY2024-2025)")
    seed.add_argument("--force", action="store_true", help="seed again even if demo data is present")
    seed.set_defaults(run=_seed)

    add_lake_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    container = get_container()
    try:
        code: int = args.run(container, args)
    except DomainError as error:
        print(f"error: {error.detail}", file=sys.stderr)
        return 2
    return code


if __name__ == "__main__":
    sys.exit(main())
