"""cfn-lint on every fragment and on the packaged template; checkov on the packaged template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scripts.package import PROJECT_ROOT, fragment_paths, override_paths

from .conftest import cfn_lint_errors, checkov_failures

pytestmark = pytest.mark.infra


def test_every_fragment_passes_cfn_lint_on_its_own() -> None:
    errors = cfn_lint_errors(*fragment_paths())
    assert errors == []


def test_the_stand_in_app_packaged_with_infra_passes_cfn_lint(stand_in_packaged: tuple[Path, Any]) -> None:
    path, _ = stand_in_packaged
    assert cfn_lint_errors(path) == []


def test_the_project_packaged_with_infra_passes_cfn_lint(project_packaged: tuple[Path, Any]) -> None:
    path, _ = project_packaged
    assert cfn_lint_errors(path) == []


def test_checkov_finds_no_failed_check_in_the_packaged_template(stand_in_packaged: tuple[Path, Any]) -> None:
    path, _ = stand_in_packaged
    failures = [(check["check_id"], check["resource"]) for check in checkov_failures(path)]
    assert failures == []


def test_checkov_finds_no_failed_check_in_the_project_template(project_packaged: tuple[Path, Any]) -> None:
    path, _ = project_packaged
    failures = [(check["check_id"], check["resource"]) for check in checkov_failures(path)]
    assert failures == []


def _skips(template: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (name, skip)
        for name, resource in template.get("Resources", {}).items()
        for skip in resource.get("Metadata", {}).get("checkov", {}).get("skip", [])
    ]


@pytest.mark.parametrize("path", fragment_paths() + override_paths(), ids=lambda path: path.name)
def test_every_checkov_skip_gives_its_reason(path: Path) -> None:
    from scripts.package import load_template

    skips = _skips(load_template(path))
    unexplained = [(name, skip.get("id")) for name, skip in skips if len(str(skip.get("comment", ""))) < 20]
    assert unexplained == []


def test_the_committed_fragments_are_the_ones_the_package_script_reads() -> None:
    names = [path.name for path in fragment_paths(PROJECT_ROOT / "infra")]
    assert names == [
        *("analytics.yaml", "api.yaml", "data.yaml", "lake.yaml"),
        *("monitoring.yaml", "network.yaml", "quicksight.yaml", "security.yaml"),
    ]
