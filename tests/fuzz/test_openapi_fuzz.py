"""schemathesis against the running API (`make run`): no server error, every response matches the schema.

Bounded and seeded. Run over HTTP with `chalice local`; its own HTTP server answers methods such as TRACE
with 501 before the app sees them, so only the phases that use the documented methods run.
"""

import subprocess
from pathlib import Path

import pytest

from tests.e2e.server import ROOT, make_run

pytestmark = pytest.mark.fuzz

CONFIG = """
[parameters]
"path.municipality_id" = "131016"
"path.prefecture_id" = "13"
"""


def test_schemathesis_finds_no_server_error_and_no_response_outside_the_schema(tmp_path: Path) -> None:
    with make_run(tmp_path / "home") as server:
        key = server.new_key("admin", "13")
        config = tmp_path / "schemathesis.toml"
        config.write_text(CONFIG, encoding="utf-8")
        result = subprocess.run(
            [
                str(ROOT / ".venv/bin/schemathesis"),
                "--config-file",
                str(config),
                "--no-color",
                "run",
                f"{server.base_url}/openapi.json",
                "--url",
                server.base_url,
                "--header",
                f"x-api-key: {key}",
                "--checks",
                "not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance",
                "--phases",
                "examples,fuzzing",
                "--max-examples",
                "15",
                "--seed",
                "20250401",
                "--workers",
                "1",
                "--request-timeout",
                "20",
                "--max-time",
                "240",
                "--suppress-health-check",
                "all",
            ],
            capture_output=True,
            text=True,
            timeout=420,
            cwd=tmp_path,
        )
        output = result.stdout + result.stderr
        assert result.returncode == 0, output[-6000:]
