"""Shared pieces of the benchmarks: a gunicorn server and wrk runs against it.

Every figure is a ratio against a static file of the same bytes served by the same server in the
same run, because this machine is noisy and absolute numbers drift between runs.
"""

import os
import re
import resource
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parent.parent
BENCH_STATIC = ROOT / "var" / "bench-static"
PORT = int(os.environ.get("BENCH_PORT", "8765"))
BASE = f"http://127.0.0.1:{PORT}"


@dataclass
class Result:
    name: str
    rps: float
    p50: float
    p95: float
    p99: float
    errors: int
    cpu_ms: dict[str, float]  # CPU time per request, by process: gunicorn, postgres, wrk

    def line(self, static: "Result | None" = None) -> str:
        ratio = f"  {self.rps / static.rps:.2f}x static" if static and static is not self else ""
        cpu = " + ".join(f"{role} {ms:.2f}" for role, ms in self.cpu_ms.items())
        return (
            f"{self.name:<28} {self.rps:>9.0f} req/s  p50 {self.p50:>6.2f} ms  "
            f"p95 {self.p95:>6.2f} ms  p99 {self.p99:>6.2f} ms  errors {self.errors}{ratio}\n"
            f"{'':<28} CPU per request: {cpu} ms"
        )


def require_wrk() -> str:
    wrk = shutil.which("wrk")
    if not wrk:
        sys.exit("wrk is not installed: apt-get install wrk")
    return wrk


def start_server(workers: int = 2, env: dict[str, str] | None = None) -> subprocess.Popen:
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "portal.settings.local",
        "DJANGO_DEBUG": "false",
        "BENCH_STATIC_DIR": str(BENCH_STATIC),
        **(env or {}),
    }
    # fmt: off
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "gunicorn"),
            "portal.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(workers),
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
        start_new_session=True,
    )
    # fmt: on
    global _server
    _server = process
    for _ in range(100):
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=1)
            return process
        except OSError:
            time.sleep(0.2)
    stop_server(process)
    sys.exit("gunicorn did not start")


_server: subprocess.Popen | None = None


def _cpu_seconds() -> dict[tuple[str, int], float]:
    """CPU seconds so far of each gunicorn and PostgreSQL process by (role, pid), and of the wrk
    runs that have finished (this script's waited-for children) as ("wrk", 0)."""
    gunicorn = psutil.Process(_server.pid) if _server else None
    processes = [gunicorn, *gunicorn.children(recursive=True)] if gunicorn else []
    processes += [p for p in psutil.process_iter(["name"]) if p.info["name"] == "postgres"]
    totals = {}
    for process in processes:
        try:
            times = process.cpu_times()
            role = "postgres" if process.name() == "postgres" else "gunicorn"
        except psutil.Error:
            continue
        totals[role, process.pid] = times.user + times.system
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    totals["wrk", 0] = children.ru_utime + children.ru_stime
    return totals


def _cpu_ms_per_request(before: dict, after: dict, requests: int) -> dict[str, float]:
    # A process that ended during the run (an idle database connection closing) drops out,
    # so its share goes uncounted rather than subtracted.
    spent = {"gunicorn": 0.0, "postgres": 0.0, "wrk": 0.0}
    for (role, pid), seconds in after.items():
        spent[role] += seconds - before.get((role, pid), 0.0)
    return {role: value * 1000 / requests for role, value in spent.items()}


def stop_server(process: subprocess.Popen) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=20)


def wrk(name: str, path: str, *, seconds: int = 10, connections: int = 32, script: str = "",
        headers: dict[str, str] | None = None) -> Result:  # fmt: skip
    command = [require_wrk(), "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"]
    command += ["-s", script or str(ROOT / "bench" / "wrk_p95.lua")]
    for key, value in (headers or {}).items():
        command += ["-H", f"{key}: {value}"]
    before = _cpu_seconds()
    output = subprocess.run(
        [*command, BASE + path], capture_output=True, text=True, check=True
    ).stdout
    after = _cpu_seconds()
    # wrk stops, but the server still works through the requests queued when it did; let them
    # drain so they do not count against the next measurement (a static file run after a slow
    # page's warm-up otherwise shows p95s of hundreds of milliseconds).
    _wait_until_idle()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    p = dict(re.findall(r"(p\d\d)=([\d.]+)", output))
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    socket_errors = re.search(r"Socket errors: .*", output)
    errors = int(non_2xx.group(1)) if non_2xx else 0
    if socket_errors:
        errors += sum(int(n) for n in re.findall(r"\d+", socket_errors.group(0)))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    cpu_ms = _cpu_ms_per_request(before, after, requests)
    return Result(name, rps, float(p["p50"]), float(p["p95"]), float(p["p99"]), errors, cpu_ms)


def _wait_until_idle(timeout: float = 30.0) -> None:
    """Until three plain requests in a row are answered in under 50 ms, or `timeout` seconds."""
    deadline, fast = time.monotonic() + timeout, 0
    while fast < 3 and time.monotonic() < deadline:
        started = time.monotonic()
        try:
            urllib.request.urlopen(f"{BASE}/healthz", timeout=5).read()
        except OSError:
            fast = 0
        else:
            fast = fast + 1 if time.monotonic() - started < 0.05 else 0
        time.sleep(0.1)


def analyse(*tables: str) -> None:
    """Fresh planner statistics, as autovacuum would have after a bulk load."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"ANALYZE {table}")


def snapshot_as_static(path: str, name: str, headers: dict[str, str] | None = None) -> str:
    """Save the page's bytes as a static file so the server serves the same bytes both ways."""
    BENCH_STATIC.mkdir(parents=True, exist_ok=True)
    request = urllib.request.Request(BASE + path, headers=headers or {})
    body = urllib.request.urlopen(request).read()
    (BENCH_STATIC / name).write_bytes(body)
    return f"/static/{name}"
