"""Critic benchmarks (python -m bench critic), side by side in one run:

(a) quality: per-principle P/R/F1, macro-F1 and clean-draft false alarms on
    - eval/golden/critique.jsonl against the demo shop (knowledge/),
    - eval/holdout/critique.jsonl against its own, independently written KB (eval/holdout/kb), indexed with the same
      importer a shop would use — the critic was tuned on this one too (see eval/holdout/README.md),
    - eval/holdout2 … holdout7: more sets written independently, each with its own shop KB (critique.jsonl or
      cases.jsonl). Each was scored once when it arrived (its first-look figure is in the issue notes) and is
      development data since;
(b) latency of one critique (situation, claim checking with KB retrieval, all analyzers, scoring, rewrite) with the
    demo shop grown to 5,000 chunks, p50/p95 over the golden cases.
Passage vectors are memoised in the user cache dir, so only the first run pays for embedding the generated chunks.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any

import platformdirs

from bench.common import Result, latency_figures
from coach.settings import REPO_ROOT, Settings

TODAY = date(2026, 11, 23)


def _embeddings() -> Any:
    from coach.retrieval.embeddings import BundledE5Embeddings, CachedEmbeddings

    cache = Path(platformdirs.user_cache_dir("huashu-coach", appauthor=False)) / "vectors.sqlite"
    return CachedEmbeddings(BundledE5Embeddings(), cache)


def _critic(workdir: Path, name: str, sources: list[Path], emb: Any) -> Any:
    from coach.critic.engine import Critic
    from coach.retrieval import KnowledgeBase

    s = Settings(data_dir=workdir / name, today=TODAY, chroma_url=None, _env_file=None)  # type: ignore[call-arg]
    kb = KnowledgeBase.open(s, embeddings=emb)
    report = kb.index(sources)
    assert not report.failed, report.failed
    return Critic.load(kb=kb, as_of=TODAY)


def _quality(name: str, critic: Any, dataset: Path) -> Result:
    from coach.datasets import load_cases
    from coach.evaluation.critique_eval import run_critique_eval

    cases = load_cases(dataset)
    run = run_critique_eval(cases, critic.critique, list(critic.rubric.principles),
                            lambda cid: critic.kb.get(cid) is not None)
    s = run.scores
    figures: dict[str, float] = {"cases": float(len(cases)), "macro_f1": round(s.macro_f1, 3),
                                 "clean_false_alarm_rate": round(s.clean_false_alarm_rate, 3),
                                 "evidence_grounding": s.as_dict()["evidence_grounding_rate"],
                                 "citation_validity": s.as_dict()["citation_validity"]}
    figures |= {f"f1_{p}": round(c.f1, 2) for p, c in s.per_principle.items()}
    return Result(f"critic.quality_{name}", figures, {}, f"{dataset.relative_to(REPO_ROOT)}; rules mode")


def run(workdir: Path) -> list[Result]:
    from bench.bench_retrieval import TARGET_CHUNKS, generate_shop
    from coach.datasets import load_cases

    emb = _embeddings()
    out = []
    demo = _critic(workdir, "demo", [REPO_ROOT / "knowledge"], emb)
    out.append(_quality("golden", demo, REPO_ROOT / "eval" / "golden" / "critique.jsonl"))
    for root in sorted((REPO_ROOT / "eval").glob("holdout*"), key=lambda p: (len(p.name), p.name)):
        dataset = next((root / f for f in ("critique.jsonl", "cases.jsonl") if (root / f).exists()), None)
        if dataset is not None and (root / "kb").is_dir():
            out.append(_quality(root.name, _critic(workdir, root.name, [root / "kb"], emb), dataset))

    src = workdir / "big-src"
    generate_shop(src, n_products=(TARGET_CHUNKS - 182 - 1500) // 2, n_policies=150)
    big = _critic(workdir, "big", [REPO_ROOT / "knowledge", src], emb)
    cases = load_cases(REPO_ROOT / "eval" / "golden" / "critique.jsonl")
    t0 = time.perf_counter()
    big.facts()  # the fact book is built once per index version, not per critique
    book_s = time.perf_counter() - t0
    for c in cases[:5]:
        big.critique(c)
    samples = []
    for c in cases * 2:
        t0 = time.perf_counter()
        big.critique(c)
        samples.append((time.perf_counter() - t0) * 1000)
    chunks = float(big.kb.stats()["chunks"])
    out.append(Result("critic.latency_5k", {"chunks": chunks, **latency_figures(samples),
                                            "fact_book_build_s": round(book_s, 2)},
                      {"p50_ms": " ms", "p95_ms": " ms", "fact_book_build_s": " s"},
                      "one critique incl. KB retrieval for citations and claim checks; golden cases ×2"))
    return out
