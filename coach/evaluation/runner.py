"""Run a suite: select items, run them through the tasks (the app's Services code path), record every item's result
as it finishes, aggregate with bootstrap intervals, check gates, write reports and the run history.

    result = run_suite(services, "smoke", progress=lambda done, total, label: ...)
    result.passed, result.run_id, result.paths["html"]

Per-item results are appended to COACH_DATA_DIR/runs/<run id>/results.jsonl as they finish (one line each, flushed),
so an interrupted run loses at most the items in flight: `run_suite(services, resume=run_id)` runs only the rest.
The resolved suite (after overrides) and dataset fingerprints are saved with the run; resuming after a dataset
changed is refused, since the finished and unfinished halves would describe different sets.
"""

from __future__ import annotations

import json
import logging
import random
import re
import secrets
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import xxhash
from filelock import FileLock, Timeout

from coach.errors import CoachError, InputError
from coach.evaluation import history
from coach.evaluation.gates import check_gates, load_baseline
from coach.evaluation.provenance import provenance
from coach.evaluation.stats import bootstrap_ci, percentile, total
from coach.evaluation.suite import Suite, TaskSpec, load_suite, resolve_dataset
from coach.evaluation.tasks import DatasetProblems, LoadContext, Task, get_task_class
from coach.privacy import mask
from coach.settings import Settings

if TYPE_CHECKING:
    from coach.services import Services

log = logging.getLogger(__name__)

ProgressFn = Callable[[int, int, str], None]
RUN_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,120}$")


class RunInterrupted(KeyboardInterrupt):
    """Ctrl-C (or a progress callback) stopped the run; the finished items are saved: resume with `run_id`."""

    def __init__(self, run_id: str) -> None:
        super().__init__(run_id)
        self.run_id = run_id


@dataclass
class Overrides:
    """Command-line overrides, applied to every task of the suite (`dataset`: to its critique task)."""

    limit: int | None = None
    seed: int | None = None
    repeat: int | None = None
    concurrency: int | None = None
    dataset: Path | None = None


@dataclass
class RunResult:
    run_id: str
    passed: bool
    report: dict[str, Any]
    paths: dict[str, Path] = field(default_factory=dict)


@dataclass
class _Plan:
    spec: TaskSpec
    task: Task[Any]
    items: list[Any]
    repeat: int
    concurrency: int
    seed: int
    sample: str
    usage: dict[str, Any] | None = None  # LLM calls made by this task in this process (LLM mode)


# --------------------------------------------------------------------------------------------------- paths and ids


def runs_dir(settings: Settings) -> Path:
    return settings.data_dir / "runs"


def run_dir(settings: Settings, run_id: str) -> Path:
    """The run's folder; run ids come from users (CLI, web): anything but a plain name is refused."""
    if not RUN_ID_RE.match(run_id) or ".." in run_id:
        raise InputError(f"not a run id: {run_id!r}")
    return runs_dir(settings) / run_id


def new_run_id(suite: str) -> str:
    stamp = datetime.now(UTC).strftime("%Y%m%d-%H%M%S")
    return f"{stamp}-{re.sub(r'[^A-Za-z0-9_.-]', '_', suite)[:40]}-{secrets.token_hex(2)}"


def report_paths(settings: Settings, run_id: str) -> dict[str, Path]:
    """The report files of a finished run: {"json", "md", "html"} (only those that exist)."""
    d = run_dir(settings, run_id)
    paths = {"json": d / "report.json", "md": d / "report.md", "html": d / "report.html"}
    return {k: p for k, p in paths.items() if p.exists()}


# --------------------------------------------------------------------------------------------------- planning


def apply_overrides(settings: Settings, suite: Suite, o: Overrides) -> Suite:
    suite = suite.model_copy(deep=True)
    for spec in suite.tasks:
        for key in ("limit", "seed", "repeat", "concurrency"):
            if getattr(o, key) is not None:
                setattr(spec, key, getattr(o, key))
    if o.dataset is not None:
        targets = [t for t in suite.tasks if t.task == "critique"] or (suite.tasks if len(suite.tasks) == 1 else [])
        if not targets:
            raise InputError(f"--dataset applies to a suite's critique task; suite {suite.name} has none")
        path = o.dataset.resolve()
        if not path.exists():
            raise InputError(f"dataset {o.dataset} not found")
        for t in targets:
            t.dataset = [str(path)]
        # another set is judged against its own knowledge, already indexed in COACH_DATA_DIR: never the demo shop
        suite.kb = "existing"
    return suite


def select(items: Sequence[Any], filters: Mapping[str, Sequence[Any]], limit: int | None, seed: int) -> list[Any]:
    """Items matching every filter (a list field matches when any element is allowed), then a seeded sample of
    `limit`, kept in file order so a subset reads like the file."""
    def ok(item: Any) -> bool:
        for key, allowed in filters.items():
            value = getattr(item, key, None)
            if value is None and getattr(item, "model_extra", None):
                value = item.model_extra.get(key)
            values = value if isinstance(value, list) else [value]
            if not any(v in allowed for v in values):
                return False
        return True

    chosen = [x for x in items if ok(x)]
    if limit is not None and limit < len(chosen):
        keep = sorted(random.Random(seed).sample(range(len(chosen)), limit))
        chosen = [chosen[i] for i in keep]
    return chosen


def plan(settings: Settings, suite: Suite) -> tuple[list[_Plan], dict[str, str]]:
    """Load and validate every dataset before anything runs; returns the plans and dataset fingerprints."""
    ctx = LoadContext(settings)
    plans: list[_Plan] = []
    fingerprints: dict[str, str] = {}
    for spec in suite.tasks:
        task = get_task_class(spec.task)(spec.options)
        refs = spec.dataset or [task.default_dataset or ""]
        items: list[Any] = []
        seen: set[str] = set()
        problems: list[str] = []
        for ref in refs:
            path = resolve_dataset(settings, ref)
            if not path.exists():
                raise InputError(f"dataset {ref} of task {spec.label} not found ({path})")
            fingerprints[str(path)] = xxhash.xxh64(path.read_bytes()).hexdigest()
            for item in task.load(path, ctx):
                if item.id in seen:
                    problems.append(f"{path.name}: id {item.id!r} also appears in another dataset of {spec.label}")
                seen.add(item.id)
                items.append(item)
        if problems:
            raise DatasetProblems(problems)
        seed = suite.task_setting(spec, "seed")
        chosen = select(items, spec.filters, suite.task_setting(spec, "limit"), seed)
        if not chosen:
            raise InputError(f"task {spec.label}: no items left after filters {spec.filters}")
        repeat = suite.task_setting(spec, "repeat")
        # what exactly was measured: the files' contents and the chosen items; a baseline only compares to the same
        sample = xxhash.xxh64(json.dumps([sorted(fingerprints[str(resolve_dataset(settings, r))] for r in refs),
                                          [x.id for x in chosen], repeat]).encode()).hexdigest()
        plans.append(_Plan(spec, task, chosen, repeat, suite.task_setting(spec, "concurrency"), seed, sample))
    return plans, fingerprints


# --------------------------------------------------------------------------------------------------- running


def run_suite(services: Services, suite: Suite | str | Path | None = None, *, overrides: Overrides | None = None,
              resume: str | None = None, progress: ProgressFn | None = None) -> RunResult:
    settings = services.settings
    t_start = time.perf_counter()
    if resume:
        suite_obj, run_id, started_at = _resume_spec(settings, resume)
    else:
        if suite is None:
            raise InputError("give a suite (a name in eval/suites/ or a .yaml path), or a run id to resume")
        suite_obj = suite if isinstance(suite, Suite) else load_suite(settings, suite)
        suite_obj = apply_overrides(settings, suite_obj, overrides or Overrides())
        run_id, started_at = new_run_id(suite_obj.name), _now()
    svc = _services_for(services, suite_obj)
    if suite_obj.kb == "demo":
        svc.ensure_demo_index()
    plans, fingerprints = plan(svc.settings, suite_obj)
    if any(p.task.needs_kb for p in plans) and svc.kb.is_empty():
        raise InputError(f"the knowledge base of {svc.settings.data_dir} is empty: index the knowledge this suite's "
                         "datasets are judged against first (coach kb index PATH…)")
    if any(p.task.needs_llm for p in plans) and svc.llm is None:  # refused before a run record is made
        raise InputError("this suite needs an LLM (LLM-as-judge): set COACH_LLM_BASE_URL and COACH_LLM_MODEL"
                         + (f" ({svc.llm_problem})" if svc.llm_problem else ""))
    folder = run_dir(settings, run_id)
    if resume:
        _check_fingerprints(folder, fingerprints)
    else:
        folder.mkdir(parents=True, exist_ok=False)  # timestamp + random suffix: a run never reuses a folder
        _write_json(folder / "run.json", {"run_id": run_id, "started_at": started_at, "fingerprints": fingerprints,
                                          "suite": suite_obj.model_dump(mode="json")})
        history.insert_run(settings, run_id, suite_obj.name, suite_obj.source, started_at)
    lock = FileLock(str(folder / "run.lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise InputError(f"run {run_id} is being executed by another process") from None
    try:
        t_load = time.perf_counter() - t_start
        try:
            t_cases = _execute_all(svc, plans, folder / "results.jsonl", progress)
        except KeyboardInterrupt:
            history.set_status(settings, run_id, "interrupted")
            raise RunInterrupted(run_id) from None
        return _finish(svc, settings, suite_obj, plans, run_id, started_at, folder,
                       {"load_s": t_load, "cases_s": t_cases, "start": t_start})
    finally:
        lock.release()


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_json(path: Path, data: Any) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, ensure_ascii=False, indent=2), encoding="utf-8")
    tmp.replace(path)


def _resume_spec(settings: Settings, run_id: str) -> tuple[Suite, str, str]:
    folder = run_dir(settings, run_id)
    row = history.get_run(settings, run_id)
    if row is None or not (folder / "run.json").exists():
        raise InputError(f"no run {run_id} in {runs_dir(settings)}")
    if row.status == "done":
        raise InputError(f"run {run_id} is complete; its reports are in {folder}")
    spec = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    return Suite.model_validate(spec["suite"]), run_id, spec["started_at"]


def _check_fingerprints(folder: Path, now: dict[str, str]) -> None:
    saved = json.loads((folder / "run.json").read_text(encoding="utf-8")).get("fingerprints", {})
    changed = [p for p, h in saved.items() if now.get(p) != h]
    if changed:
        raise InputError(f"dataset(s) changed since the run started: {', '.join(changed)}; start a new run")


def _services_for(services: Services, suite: Suite) -> Services:
    """The suite's `as_of` pins "today" (promotion validity) without touching the caller's services; the KB object is
    shared, not reopened."""
    if suite.as_of is None or services.settings.today == suite.as_of:
        return services
    from coach.services import Services as ServicesCls

    pinned = ServicesCls(services.settings.model_copy(update={"today": suite.as_of}))
    if "kb" in services.__dict__:
        pinned.__dict__["kb"] = services.__dict__["kb"]
    return pinned


def _load_done(path: Path) -> dict[tuple[str, str, int], dict[str, Any]]:
    """Finished records; a torn last line (the process died mid-write) is dropped and its item re-run."""
    done: dict[tuple[str, str, int], dict[str, Any]] = {}
    if not path.exists():
        return done
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            r = json.loads(line)
        except json.JSONDecodeError:
            continue
        done[(r["task"], r["id"], r["rep"])] = r
    return done


def _run_one(task: Task[Any], label: str, item: Any, rep: int, services: Services) -> dict[str, Any]:
    t0 = time.perf_counter()
    record: dict[str, Any] = {"task": label, "id": item.id, "rep": rep}
    try:
        outcome = task.run_case(item, services)
        record.update(counts=outcome.counts, detail=outcome.detail, error=None)
    except CoachError as exc:
        record.update(counts={}, detail={}, error=mask(str(exc))[:300])
    except Exception as exc:  # a bug on one item must not lose the run: recorded, counted, gated by `errors`
        log.warning("eval item %s/%s failed: %s", label, item.id, type(exc).__name__)
        record.update(counts={}, detail={}, error=f"internal error {type(exc).__name__}: {mask(str(exc))[:300]}")
    record["latency_ms"] = round((time.perf_counter() - t0) * 1000, 3)
    return record


def _drop_torn_tail(path: Path) -> None:
    """Cut a last line without its newline (the process died mid-write), so appending starts on a fresh line."""
    if not path.exists():
        return
    with path.open("rb+") as f:
        data = f.read()
        if data and not data.endswith(b"\n"):
            f.truncate(data.rfind(b"\n") + 1)


def _execute_all(services: Services, plans: list[_Plan], results: Path, progress: ProgressFn | None) -> float:
    _drop_torn_tail(results)
    done = _load_done(results)
    todo = [(p, item, rep) for p in plans for item in p.items for rep in range(p.repeat)]
    total_n, count = len(todo), 0
    pending: dict[str, list[tuple[Any, int]]] = {}
    for p, item, rep in todo:
        if (p.spec.label, item.id, rep) in done:
            count += 1
        else:
            pending.setdefault(p.spec.label, []).append((item, rep))
    if progress:
        progress(count, total_n, "resuming" if count else "starting")
    elapsed = 0.0
    with results.open("a", encoding="utf-8") as out:
        for p in plans:
            work = pending.get(p.spec.label, [])
            if not work:
                continue
            p.task.prepare(services)
            t0, since = time.perf_counter(), time.time()
            for record in _records(p, work, services):
                out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
                out.flush()
                count += 1
                if progress:
                    progress(count, total_n, f"{p.spec.label} {record['id']}")
            elapsed += time.perf_counter() - t0
            p.usage = llm_usage(services, since, len(work))
    return elapsed


def llm_usage(services: Services, since: float, cases: int) -> dict[str, Any] | None:
    """Tokens of the LLM calls made since `since` (coach.llm's in-memory usage log; no text in it). None in rules
    mode. A resumed run counts only the calls of the resumed part."""
    llm = services.__dict__.get("llm")
    if llm is None:
        return None
    from coach.llm.usage import Prices

    calls = [r for r in llm.usage.recent() if r.at >= since]
    tokens_in, tokens_out = sum(r.input_tokens for r in calls), sum(r.output_tokens for r in calls)
    out: dict[str, Any] = {
        "calls": len(calls), "input_tokens": tokens_in, "output_tokens": tokens_out, "cases": cases,
        "tokens_per_case": round((tokens_in + tokens_out) / cases, 1) if cases else None,
        "outcomes": {o: sum(1 for r in calls if r.outcome == o) for o in sorted({r.outcome for r in calls})}}
    # priced per model from prompts/llm/prices.yaml (a suite's `llm_prices` overrides); unknown model: "n/a"
    priced = Prices.load(services.settings.prompts_dir / "llm" / "prices.yaml").cost(calls)
    if priced is None or not cases:
        return out | {"cost_per_case": "n/a"}
    return out | {"cost": round(priced[0], 6), "cost_per_case": round(priced[0] / cases, 6), "currency": priced[1]}


def _records(p: _Plan, work: list[tuple[Any, int]], services: Services) -> Iterator[dict[str, Any]]:
    label = p.spec.label
    if p.concurrency <= 1:
        for item, rep in work:
            yield _run_one(p.task, label, item, rep, services)
        return
    # bounded: at most 2 × concurrency items in flight, so Ctrl-C cancels the rest at once
    with ThreadPoolExecutor(max_workers=p.concurrency, thread_name_prefix=f"eval-{label}") as pool:
        queue = iter(work)
        inflight: set[Future[dict[str, Any]]] = set()
        try:
            while True:
                while len(inflight) < 2 * p.concurrency:
                    nxt = next(queue, None)
                    if nxt is None:
                        break
                    inflight.add(pool.submit(_run_one, p.task, label, nxt[0], nxt[1], services))
                if not inflight:
                    return
                finished, inflight = wait(inflight, return_when=FIRST_COMPLETED)
                for f in finished:
                    yield f.result()
        finally:
            for f in inflight:
                f.cancel()


# --------------------------------------------------------------------------------------------------- aggregation


def aggregate(p: _Plan, records: list[dict[str, Any]], resamples: int) -> dict[str, Any]:
    """Headline metrics with bootstrap intervals (items resampled; repeats of an item stay together), latency,
    errors and the task's detail tables."""
    ok = [r for r in records if not r.get("error")]
    by_item: dict[str, dict[str, float]] = {}
    for r in ok:
        acc = by_item.setdefault(r["id"], {})
        for k, v in r["counts"].items():
            acc[k] = acc.get(k, 0.0) + v
    # dataset order, not completion order: with concurrency the records arrive shuffled, and the seeded bootstrap
    # must see the same rows in the same order to give the same interval
    rows = [by_item[item.id] for item in p.items if item.id in by_item]
    wanted = p.spec.metrics or p.task.metric_names()
    point = p.task.headline(total(rows)) if rows else {}
    cis = bootstrap_ci(rows, p.task.headline, seed=p.seed, resamples=resamples) if rows else {}
    metrics: dict[str, dict[str, Any]] = {}
    for m in wanted:
        if m not in point and m not in p.task.metric_names():
            continue  # a runner figure (errors, latency) listed under `metrics:` is reported on its own
        value, ci = point.get(m), cis.get(m)
        metrics[m] = {"value": None if value is None else round(float(value), 4), "ci": list(ci) if ci else None}
    latencies = [r["latency_ms"] for r in records]
    errors = [{"id": r["id"], "error": r["error"]} for r in records if r.get("error")]
    return {"task": p.spec.task, "datasets": p.spec.dataset or [p.task.default_dataset], "sample": p.sample,
            "cases": len(p.items),
            "repeat": p.repeat, "filters": p.spec.filters, "errors": len(errors), "error_list": errors[:50],
            "latency_p50_ms": percentile(latencies, 50), "latency_p95_ms": percentile(latencies, 95),
            "latency_ms": [round(x, 2) for x in latencies], "metrics": metrics,
            "lower_is_better": sorted(p.task.lower_is_better & set(metrics)),
            "details": p.task.details(records)}


def _priced(usage: dict[str, Any] | None, prices: Mapping[Any, float] | None) -> dict[str, Any] | None:
    if usage is None or not prices or not usage["cases"]:
        return usage
    cost = (usage["input_tokens"] * prices.get("input_per_mtok", 0.0)
            + usage["output_tokens"] * prices.get("output_per_mtok", 0.0)) / 1e6
    return usage | {"cost": round(cost, 6), "cost_per_case": round(cost / usage["cases"], 6)}


def _finish(services: Services, settings: Settings, suite: Suite, plans: list[_Plan], run_id: str,
            started_at: str, folder: Path, timing: dict[str, float]) -> RunResult:
    from coach.evaluation.reports import write_reports

    t0 = time.perf_counter()
    records = _load_done(folder / "results.jsonl")
    baseline = load_baseline(settings, suite.name)
    tasks: dict[str, Any] = {}
    for p in plans:
        wanted = {(item.id, rep) for item in p.items for rep in range(p.repeat)}
        mine = [r for (label, i, rep), r in records.items() if label == p.spec.label and (i, rep) in wanted]
        t = aggregate(p, mine, suite.bootstrap)
        values: dict[str, float | None] = {m: v["value"] for m, v in t["metrics"].items()}
        values.update({k: t[k] for k in ("errors", "latency_p50_ms", "latency_p95_ms", "cases")})
        t["llm_usage"] = _priced(p.usage, suite.llm_prices)
        gates = check_gates(p.spec.label, p.spec.gates, values, p.task.lower_is_better, baseline, p.sample)
        t["gates"] = p.task.review_gates(gates, values)
        tasks[p.spec.label] = t
    passed = all(g["passed"] for t in tasks.values() for g in t["gates"])
    prov = provenance(services)
    report: dict[str, Any] = {
        "run_id": run_id, "suite": suite.name, "description": suite.description, "source": suite.source,
        "started_at": started_at, "finished_at": _now(), "passed": passed, "provenance": prov,
        "config": {"seed": suite.seed, "bootstrap_resamples": suite.bootstrap, "confidence": 0.95,
                   "as_of": services.settings.as_of().isoformat(), "kb": suite.kb},
        "tasks": tasks,
    }
    report["timing"] = {"load_s": round(timing["load_s"], 3), "cases_s": round(timing["cases_s"], 3),
                        "aggregate_s": round(time.perf_counter() - t0, 3)}
    paths = write_reports(settings, report, folder)
    history.finish_run(settings, run_id, finished_at=report["finished_at"], git_commit=prov["git"].get("commit"),
                       settings_summary=prov["settings"], prompts=prov["prompts"],
                       metrics={label: {"metrics": t["metrics"], "errors": t["errors"],
                                        "latency_p50_ms": t["latency_p50_ms"], "latency_p95_ms": t["latency_p95_ms"],
                                        "cases": t["cases"], "gates": t["gates"],
                                        "lower_is_better": t["lower_is_better"], "sample": t["sample"]}
                                for label, t in tasks.items()},
                       passed=passed, cases=sum(t["cases"] for t in tasks.values()))
    report["timing"]["total_s"] = round(time.perf_counter() - timing["start"], 3)
    return RunResult(run_id, passed, report, paths)
