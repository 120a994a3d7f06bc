"""Evaluation harness: the full rules-mode critique suite end to end, and the runner's own overhead per case.

(a) end to end: `coach eval run critique` as a user runs it (a fresh process: imports, KB open, every golden case,
    1000-resample bootstrap, gates, SQLite, JSON/Markdown/HTML reports), and the same through `run_suite` in-process;
(b) overhead: the runner's case loop (per-case scoring, JSONL record appended and flushed, progress) against calling
    the critic directly on the same cases in the same process, alternated over rounds; the median round's ratio.

The demo shop is indexed with the hashed embedder: the critic reads KB passages, never dense search, so its verdicts
do not depend on the embedding model, and the bench does not spend minutes embedding.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

from bench.common import Result
from coach.datasets import load_cases
from coach.evaluation import RunResult, run_suite
from coach.evaluation.critique_eval import run_critique_eval
from coach.services import Services
from coach.settings import REPO_ROOT, Settings

TODAY = date(2026, 11, 23)
ROUNDS = 7


def _services(workdir: Path) -> Services:
    s = Settings(data_dir=workdir / "data", today=TODAY, embeddings="hash", chroma_url=None,  # type: ignore[call-arg]
                 _env_file=None)
    services = Services(s)
    report = services.kb.index([s.knowledge_dir])
    assert report.chunks_total > 0 and not report.failed
    return services


def _cli_seconds(workdir: Path) -> tuple[float, float]:
    """Wall and CPU seconds (user + system) of `coach eval run critique` in a fresh process."""
    env = {**os.environ, "COACH_DATA_DIR": str(workdir / "data"), "COACH_EMBEDDINGS": "hash",
           "COACH_TODAY": TODAY.isoformat(), "COACH_LLM_BASE_URL": "", "COACH_LLM_MODEL": ""}
    coach = Path(sys.executable).with_name("coach")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run([str(coach), "eval", "run", "critique", "--json"], env=env, capture_output=True,
                          text=True, cwd=REPO_ROOT, check=False)
    seconds = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    if done.returncode not in (0, 1):  # 1 = a gate failed: still a complete run
        raise RuntimeError(f"coach eval run critique failed ({done.returncode}): {done.stderr[-2000:]}")
    return seconds, cpu


def run(workdir: Path) -> list[Result]:
    services = _services(workdir)
    cases = load_cases(REPO_ROOT / "eval" / "golden" / "critique.jsonl")
    principles = list(services.critic.rubric.principles)
    for case in cases[:20]:  # warm: segmenter, fact book, regex caches
        services.critique(case)

    direct: list[float] = []
    helper: list[float] = []
    runner: list[float] = []
    e2e: list[float] = []
    wall_ratios: list[float] = []
    cpu_direct: list[float] = []
    cpu_runner: list[float] = []
    result: RunResult | None = None
    for round_ in range(ROUNDS):
        def direct_loop() -> None:
            c0, t0 = time.process_time(), time.perf_counter()
            for case in cases:
                services.critique(case)
            direct.append(time.perf_counter() - t0)
            cpu_direct.append(time.process_time() - c0)

        def runner_loop() -> RunResult:
            marks: list[float] = []

            def progress(done: int, total: int, label: str) -> None:
                if done in (0, total):  # first call: before the loop (and the task's warm-up); last: after it
                    marks.append(time.process_time())

            t0 = time.perf_counter()
            out = run_suite(services, "critique", progress=progress)
            e2e.append(time.perf_counter() - t0)
            runner.append(out.report["timing"]["cases_s"])
            cpu_runner.append(marks[-1] - marks[0])
            return out

        if round_ % 2:  # alternate the order, so neither loop always runs on the other's warm caches
            result = runner_loop()
            direct_loop()
        else:
            direct_loop()
            result = runner_loop()
        wall_ratios.append(runner[-1] / direct[-1])
        t0 = time.perf_counter()
        run_critique_eval(cases, services.critique, principles)
        helper.append(time.perf_counter() - t0)
    assert result is not None
    cli, cli_cpu = _cli_seconds(workdir)
    n = len(cases)
    crit = result.report["tasks"]["critique"]
    return [
        Result("eval.critique_suite_end_to_end", {
            "cases": float(n), "cli_s": round(cli, 2), "cli_cpu_s": round(cli_cpu, 2), "in_process_s": round(statistics.median(e2e), 2),
            "cases_loop_s": round(statistics.median(runner), 2),
            "aggregate_and_reports_s": round(statistics.median(e2e) - statistics.median(runner), 2),
            "macro_f1": crit["metrics"]["macro_f1"]["value"]},
            {"cli_s": " s", "cli_cpu_s": " s", "in_process_s": " s", "cases_loop_s": " s", "aggregate_and_reports_s": " s"},
            "`coach eval run critique` in a fresh process (target ≤ 15 s) and run_suite in-process; all golden cases, "
            "1000 bootstrap resamples, reports and history included; KB indexed beforehand (hashed embedder). cli_cpu_s: "
            "the same process's CPU time, which other users' load on this shared machine does not inflate"),
        Result("eval.runner_overhead_per_case", {
            "ratio": round(statistics.median(r / d for r, d in zip(cpu_runner, cpu_direct, strict=True)), 3),
            "direct_cpu_ms_per_case": round(statistics.median(cpu_direct) / n * 1000, 3),
            "runner_cpu_ms_per_case": round(statistics.median(cpu_runner) / n * 1000, 3),
            "wall_ratio_median": round(statistics.median(wall_ratios), 3),
            "wall_ratio_best_rounds": round(min(runner) / min(direct), 3),
            "direct_ms_per_case": round(statistics.median(direct) / n * 1000, 3),
            "run_critique_eval_ms_per_case": round(statistics.median(helper) / n * 1000, 3),
            "runner_ms_per_case": round(statistics.median(runner) / n * 1000, 3), "rounds": float(ROUNDS)},
            {"direct_cpu_ms_per_case": " ms", "runner_cpu_ms_per_case": " ms", "direct_ms_per_case": " ms",
             "run_critique_eval_ms_per_case": " ms", "runner_ms_per_case": " ms"},
            "runner case loop ÷ a direct Services.critique loop on the same cases in the same process, in "
            f"{ROUNDS} rounds alternating which goes first; `ratio` uses process CPU time (the loops are single-threaded and CPU-bound; wall time on "
            "this shared 2-core machine swings ±30 % with other users' load), the wall ratios are shown too. "
            "The runner's figure includes its per-task warm-up (one critique). Target ≤ 1.1"),
    ]
