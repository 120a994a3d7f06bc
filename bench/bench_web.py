"""Web load (python -m bench web): the real app (create_app: REST API + gradio UI, accounts on) under uvicorn in its
own process on a loopback port, a fresh data dir with the demo shop indexed the way `make run` does it
(Services.ensure_demo_index), and CLIENTS concurrent clients (threads, one keep-alive httpx client each) sending
POST /api/v1/critique with the golden cases (eval/golden/critique.jsonl, each client starting at its own offset) for
BENCH_WEB_SECONDS (default 60). Rules mode. The issue's target: 0 errors and p95 <= 1 s; `p95_over_budget` is
p95 / 1000 ms (below 1 = within budget).

After the load, two bad requests check that they get clear errors instead of a crash: a 100,000-character draft
(422 with the reason) and a 2 MiB body (413). The 1-minute load average before the run is recorded, since the
machine may be shared. Run the server alone: python -m bench.bench_web --serve DATA_DIR PORT.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from bench.common import Result, percentile
from coach.settings import REPO_ROOT, Settings

TODAY = date(2026, 11, 23)
CLIENTS = 20
PASSWORD = "bench password 1"


def _settings(data_dir: Path, port: int = 7860) -> Settings:
    return Settings(data_dir=data_dir, today=TODAY, chroma_url=None, host="127.0.0.1", port=port,
                    _env_file=None)  # type: ignore[call-arg]


def serve(data_dir: Path, port: int) -> None:
    """The server process: what app.py does, on the given data dir and port."""
    from coach.offline import configure_offline

    configure_offline()
    import uvicorn

    from coach.privacy import install_log_redaction
    from coach.services import Services
    from coach.web.app import create_app

    install_log_redaction()
    services = Services(_settings(data_dir, port))
    services.critic.facts()  # as app.py: the fact book is built before the first request
    uvicorn.run(create_app(services), host="127.0.0.1", port=port, log_level="warning")


def _prepare(data_dir: Path) -> tuple[str, float]:
    """Index the demo shop and create an agent with an API token; returns (token, index seconds)."""
    from coach.auth import UserStore
    from coach.services import Services

    services = Services(_settings(data_dir))
    t0 = time.perf_counter()
    services.ensure_demo_index()
    index_s = time.perf_counter() - t0
    services.kb.close()
    store = UserStore(services.settings.users_path)
    store.add("bench", "agent", PASSWORD)
    return store.add_token("bench", label="bench_web")[1], index_s


def _cases() -> list[dict[str, Any]]:
    out = []
    for line in (REPO_ROOT / "eval" / "golden" / "critique.jsonl").read_text(encoding="utf-8").splitlines():
        if line.strip():
            case = json.loads(line)
            out.append({k: case[k] for k in ("customer", "draft", "context", "order") if case.get(k) is not None})
    return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_ready(base: str, proc: subprocess.Popen[bytes], timeout_s: float = 300) -> float:
    import httpx

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout_s:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=5).status_code == 200:
                return time.perf_counter() - t0
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError("server not ready in time")


def _client(base: str, token: str, cases: list[dict[str, Any]], offset: int, until: float,
            latencies: list[float], errors: list[str]) -> None:
    import httpx

    with httpx.Client(base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30) as http:
        i = offset
        while time.perf_counter() < until:
            t0 = time.perf_counter()
            try:
                res = http.post("/api/v1/critique", json=cases[i % len(cases)])
                ok = res.status_code == 200 and "score" in res.json()
                if not ok:
                    errors.append(f"HTTP {res.status_code}")
            except (httpx.HTTPError, ValueError) as exc:
                errors.append(type(exc).__name__)
            latencies.append((time.perf_counter() - t0) * 1000)
            i += 1


def _bad_requests(base: str, token: str) -> dict[str, float]:
    import httpx

    auth = {"Authorization": f"Bearer {token}"}
    huge = httpx.post(f"{base}/api/v1/critique", json={"customer": "你好", "draft": "长" * 100_000}, headers=auth,
                      timeout=30)
    oversize = httpx.post(f"{base}/api/v1/critique", content=b'{"draft": "' + b"x" * (2 << 20) + b'"}',
                          headers={**auth, "Content-Type": "application/json"}, timeout=30)
    return {"huge_message_status": float(huge.status_code), "oversize_body_status": float(oversize.status_code)}


def run(workdir: Path) -> list[Result]:
    seconds = float(os.environ.get("BENCH_WEB_SECONDS", "60"))
    data_dir = workdir / "data"
    token, index_s = _prepare(data_dir)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    load_before = os.getloadavg()[0]
    proc = subprocess.Popen([sys.executable, "-m", "bench.bench_web", "--serve", str(data_dir), str(port)],
                            cwd=REPO_ROOT)
    try:
        ready_s = _wait_ready(base, proc)
        cases = _cases()
        _client(base, token, cases, 0, time.perf_counter() + 3, [], [])  # warm-up, not counted
        latencies: list[float] = []
        errors: list[str] = []
        until = time.perf_counter() + seconds
        started = time.perf_counter()
        threads = [threading.Thread(target=_client, args=(base, token, cases, k * len(cases) // CLIENTS, until,
                                                          latencies, errors)) for k in range(CLIENTS)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - started
        bad = _bad_requests(base, token)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    p95 = percentile(latencies, 95)
    figures = {"clients": float(CLIENTS), "duration_s": round(elapsed, 1), "requests": float(len(latencies)),
               "errors": float(len(errors)), "throughput_rps": round(len(latencies) / elapsed, 1),
               "p50_ms": round(statistics.median(latencies), 1), "p95_ms": round(p95, 1),
               "p99_ms": round(percentile(latencies, 99), 1), "max_ms": round(max(latencies), 1),
               "p95_over_budget": round(p95 / 1000, 3), **bad, "server_ready_s": round(ready_s, 1),
               "index_demo_s": round(index_s, 1), "loadavg_1m_before": round(load_before, 2)}
    kinds = sorted(set(errors))
    notes = (f"{CLIENTS} clients x {seconds:.0f} s, rules mode, accounts on (agent token); "
             f"errors: {', '.join(kinds) if kinds else 'none'}; machine load before: {load_before:.2f}")
    return [Result("web.critique_load", figures, {"duration_s": " s", "throughput_rps": " req/s"}, notes)]


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--serve":
        serve(Path(sys.argv[2]), int(sys.argv[3]))
    else:
        from bench.__main__ import main

        sys.exit(main(["web"]))
