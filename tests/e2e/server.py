"""Start the API the way the README does (`make run`), on a free port, with its own CATDATA_HOME."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class RunningServer:
    base_url: str
    home: Path
    process: subprocess.Popen[bytes]
    log: Path

    def catdata(self, *args: str) -> str:
        result = subprocess.run(
            [str(ROOT / ".venv/bin/catdata"), *args],
            env={**os.environ, "CATDATA_HOME": str(self.home)},
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return result.stdout

    def new_key(self, role: str = "admin", scope: str = "*") -> str:
        return self.catdata("keys", "create", "--role", role, "--scope", scope).strip().splitlines()[-1]

    def kill(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=15)


@contextmanager
def make_run(home: Path, port: int | None = None) -> Iterator[RunningServer]:
    port = port or free_port()
    log = home.parent / f"server-{port}.log"
    home.mkdir(parents=True, exist_ok=True)
    with log.open("wb") as out:
        process = subprocess.Popen(
            ["make", "--no-print-directory", "run", f"PORT={port}"],
            cwd=ROOT,
            env={**os.environ, "CATDATA_HOME": str(home)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = RunningServer(f"http://127.0.0.1:{port}", home, process, log)
    try:
        deadline = time.monotonic() + 120
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"make run exited: {log.read_text(errors='replace')[-2000:]}")
            try:
                if requests.get(server.base_url + "/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError(f"server did not start: {log.read_text(errors='replace')[-2000:]}")
            time.sleep(0.3)
        yield server
    finally:
        server.kill()
