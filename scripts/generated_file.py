"""Committed files generated from the repository: write them, or (`--check`) report that they drifted."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cfn_flip import dump_yaml


def cloudformation_yaml(header: str, template: dict[str, Any]) -> str:
    # A JSON round trip gives every shared value its own copy: YAML aliases are not CloudFormation.
    body: str = dump_yaml(json.loads(json.dumps(template, ensure_ascii=False)), clean_up=True)
    return header + body


def main(output: Path, render: Callable[[], str], module: str, description: str | None, argv: list[str] | None) -> int:
    parser = argparse.ArgumentParser(description=description, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed file differs")
    args = parser.parse_args(argv)
    text = render()
    if args.check:
        current = output.read_text(encoding="utf-8") if output.exists() else ""
        if current != text:
            print(f"{output} is out of date: run python -m {module}", file=sys.stderr)
            return 1
        return 0
    output.write_text(text, encoding="utf-8")
    return 0
