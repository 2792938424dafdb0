"""`make bench`: every benchmark of quality.md, each against a baseline run in the same command.

Prints a table; figures are medians of repeated runs (the machine is shared and noisy: read ratios).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

# Both scripts do what Lambda does on a cold start: import the handler module, then call it with an
# API Gateway proxy event (chalice.test is not used: it imports Chalice's CLI, which Lambda never loads).
_EVENT = """
def event(resource, path, params, headers):
    return {
        "resource": resource, "path": path, "httpMethod": "GET", "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()}, "queryStringParameters": None,
        "multiValueQueryStringParameters": None, "pathParameters": params, "stageVariables": None,
        "requestContext": {"resourcePath": resource, "httpMethod": "GET", "requestId": "bench", "path": path},
        "body": None, "isBase64Encoded": False,
    }
"""

_COLD_APP = """
import time
start = time.perf_counter()
import json, os
from app import app
response = app(
    event("/municipalities/{municipality_id}/cats", "/municipalities/131016/cats",
          {"municipality_id": "131016"}, {"x-api-key": os.environ["BENCH_KEY"]}),
    None,
)
assert response["statusCode"] == 200, response
print(json.dumps({"seconds": time.perf_counter() - start}))
"""

_COLD_BASELINE = """
import time
start = time.perf_counter()
import json
import boto3
from chalice import Chalice
app = Chalice(app_name="baseline")
@app.route("/")
def index():
    return {"hello": "world"}
response = app(event("/", "/", None, {}), None)
assert response["statusCode"] == 200, response
print(json.dumps({"seconds": time.perf_counter() - start}))
"""


def _run_script(source: str, env: dict[str, str]) -> float:
    # The event builder is defined before the clock starts (it stands in for Lambda's runtime).
    script = _EVENT + source
    result = subprocess.run(
        [PYTHON, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True, timeout=120
    )
    return float(json.loads(result.stdout.strip().splitlines()[-1])["seconds"])


def cold_start(runs: int = 11) -> dict[str, Any]:
    """A fresh interpreter importing `app` and serving its first request vs a bare Chalice app with boto3."""
    app_times, base_times = [], []
    with tempfile.TemporaryDirectory() as home:
        # The environment every stage's functions get (.chalice/config.json), on the local backend.
        config = json.loads((ROOT / ".chalice" / "config.json").read_text(encoding="utf-8"))
        env = {
            **os.environ,
            **config.get("environment_variables", {}),
            "CATDATA_HOME": home,
            "CATDATA_BACKEND": "local",
            "CATDATA_LOG_LEVEL": "WARNING",
        }
        created = subprocess.run(
            [str(Path(PYTHON).parent / "catdata"), "keys", "create", "--role", "viewer", "--scope", "131016"],
            env=env,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        env["BENCH_KEY"] = created.stdout.strip().splitlines()[-1]
        for _ in range(runs):
            app_times.append(_run_script(_COLD_APP, env))
            base_times.append(_run_script(_COLD_BASELINE, env))
    app_ms, base_ms = statistics.median(app_times) * 1000, statistics.median(base_times) * 1000
    ratio = round(app_ms / base_ms, 2)
    return {"app_ms": round(app_ms), "baseline_ms": round(base_ms), "ratio": ratio, "target": "≤ 1.5×"}


def package_size(stage: str = "dev") -> dict[str, Any]:
    """`chalice package` (through scripts/package.py): the zipped deployment package."""
    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        result = subprocess.run(
            [PYTHON, "-m", "scripts.package", "--stage", stage, "--out-dir", out],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=900,
        )
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            return {"error": (result.stdout + result.stderr)[-400:]}
        bundle = Path(out) / "deployment.zip"
        size = bundle.stat().st_size
        with zipfile.ZipFile(bundle) as archive:
            unzipped = sum(item.file_size for item in archive.infolist())
    return {
        "zip_mb": round(size / 1_000_000, 2),
        "unzipped_mb": round(unzipped / 1_000_000, 2),
        "package_seconds": round(seconds, 1),
        "target": "≤ 10 MB zipped",
    }


def _median_us(call: Callable[[], Any], runs: int) -> float:
    for _ in range(20):
        call()
    samples = []
    for _ in range(runs):
        started = time.perf_counter_ns()
        call()
        samples.append(time.perf_counter_ns() - started)
    return statistics.median(samples) / 1000


def request_path(runs: int = 400) -> dict[str, Any]:
    """Median handler time through Chalice's test client on the local backend vs a constant route."""
    from chalice.app import Chalice
    from chalice.test import Client

    from app import app
    from chalicelib.api.routing import use_container
    from chalicelib.bootstrap import Container
    from chalicelib.domain.keys import Role
    from chalicelib.settings import Settings

    baseline_app = Chalice(app_name="baseline")

    @baseline_app.route("/")
    def constant() -> dict[str, str]:
        return {"hello": "world"}

    with tempfile.TemporaryDirectory() as home:
        container = Container(Settings(backend="local", home=Path(home)))
        use_container(lambda: container)
        _, key = container.keys.create(Role.editor, ["131016"])
        headers = {"x-api-key": key, "content-type": "application/json"}
        body = json.dumps({"name": "タマ", "area": "神田一丁目", "status": "community"})
        with Client(app) as client, Client(baseline_app) as baseline:
            first = client.http.post("/municipalities/131016/cats", headers=headers, body=body)
            cat_url = f"/municipalities/131016/cats/{json.loads(first.body)['cat_id']}"
            for _ in range(60):
                client.http.post("/municipalities/131016/cats", headers=headers, body=body)
            base = _median_us(lambda: baseline.http.get("/"), runs)
            get_cat = _median_us(lambda: client.http.get(cat_url, headers=headers), runs)
            cats = "/municipalities/131016/cats"
            post_cat = _median_us(lambda: client.http.post(cats, headers=headers, body=body), runs)
            list_cats = _median_us(lambda: client.http.get(cats + "?limit=50", headers=headers), runs)
    return {
        "constant_us": round(base),
        "get_cat_us": round(get_cat),
        "post_cat_us": round(post_cat),
        "list_50_us": round(list_cats),
        "get_ratio": round(get_cat / base, 1),
        "post_ratio": round(post_cat / base, 1),
        "list_ratio": round(list_cats / base, 1),
    }


def bulk_write(rows: int = 100_000, batch: int = 5_000) -> dict[str, Any]:
    """Rows per second stored through the service layer (CatService.register_many) into SQLite."""
    from chalicelib.bootstrap import Container
    from chalicelib.domain.models import RegisterCatRequest
    from chalicelib.settings import Settings

    with tempfile.TemporaryDirectory() as home:
        container = Container(Settings(backend="local", home=Path(home)))
        requests = [RegisterCatRequest(name=f"猫{n}", area=f"地区{n % 40}", status="community") for n in range(batch)]
        container.cats.register_many("131016", requests[:100])
        started = time.perf_counter()
        for _ in range(rows // batch):
            container.cats.register_many("131016", requests)
        seconds = time.perf_counter() - started
    return {"rows": rows, "rows_per_s": round(rows / seconds), "target": "≥ 20,000/s"}


def lake() -> dict[str, Any]:
    from bench import lake_bench

    return lake_bench.run_all()


BENCHMARKS: dict[str, Callable[[], dict[str, Any]]] = {
    "cold_start": cold_start,
    "request_path": request_path,
    "bulk_write": bulk_write,
    "package": package_size,
    "lake": lake,
}


def _print_table(results: dict[str, dict[str, Any]]) -> None:
    rows = []
    for name, figures in results.items():
        nested = {k: v for k, v in figures.items() if isinstance(v, dict)}
        flat = {k: v for k, v in figures.items() if not isinstance(v, dict)}
        if flat:
            rows.append((name, ", ".join(f"{k}={v}" for k, v in flat.items())))
        for sub, sub_figures in nested.items():
            rows.append((f"{name}.{sub}", ", ".join(f"{k}={v}" for k, v in sub_figures.items())))
    width = max(len(name) for name, _ in rows)
    print(f"| {'benchmark'.ljust(width)} | figures |")
    print(f"| {'-' * width} | ------- |")
    for name, text in rows:
        print(f"| {name.ljust(width)} | {text} |")


def main() -> int:
    parser = argparse.ArgumentParser(prog="python -m bench")
    parser.add_argument("only", nargs="*", choices=[*BENCHMARKS, []], help="run only these")
    args = parser.parse_args()
    chosen = args.only or list(BENCHMARKS)
    results = {}
    for name in chosen:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        results[name] = BENCHMARKS[name]()
    _print_table(results)
    out = ROOT / "bench" / "out"
    out.mkdir(exist_ok=True)
    (out / "results.json").write_text(json.dumps(results, ensure_ascii=False, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
