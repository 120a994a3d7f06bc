"""Drafting benchmarks (python -m bench drafting), rules mode, today pinned to 2026-11-23:

(a) quality on the golden set eval/drafting/cases.jsonl and on second_set.jsonl over the demo shop (bundled e5
    index): required-fact recall, forbidden claims, critic-clean rate, critical-free rate, citation validity, scene
    agreement, latency;
(b) the same golden set with the KB grown to 5,000 chunks (bench_retrieval's generator): latency p50/p95 and the
    same quality figures — a bigger KB must neither slow drafting down nor pull in the wrong clauses.

Drafting retrieves with BM25 only (fact queries are written by trainers, not customers) and the critic's claim
checker does too, so no query is embedded on this path; (b) indexes with the hashed embedder to save minutes and
counts query embeddings to prove the point (`query_embeddings` must stay 0, else the figure would flatter).
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

from bench.bench_retrieval import TARGET_CHUNKS, generate_shop
from bench.common import Result, latency_figures
from coach.settings import REPO_ROOT, Settings

TODAY = date(2026, 11, 23)
REPEAT = 3  # each golden case is drafted this many times for the latency samples


class _Counting:
    """Wraps an embedder and counts query embeddings (the drafting path should make none)."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.model_id = inner.model_id
        self.dim = inner.dim
        self.queries = 0

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        return self.inner.embed_documents(texts)  # type: ignore[no-any-return]

    def embed_query(self, text: str) -> list[float]:
        self.queries += 1
        return self.inner.embed_query(text)  # type: ignore[no-any-return]


def _kb(workdir: Path, name: str, embeddings: Any) -> Any:
    from coach.retrieval import KnowledgeBase

    s = Settings(data_dir=workdir / name, today=TODAY, chroma_url=None, _env_file=None)  # type: ignore[call-arg]
    return KnowledgeBase.open(s, embeddings=embeddings)


def _drafter(kb: Any) -> Any:
    from coach.critic.engine import Critic
    from coach.drafting import VOCABULARY, Drafter, load_library

    library = load_library(REPO_ROOT / "knowledge" / "templates", VOCABULARY)
    return Drafter(Critic.load(kb=kb, as_of=TODAY), library, kb=kb, as_of=TODAY)


def _measure(name: str, kb: Any, cases: list[Any], note: str, counter: _Counting | None = None) -> Result:
    import time

    from coach.drafting import evaluate

    drafter = _drafter(kb)
    t0 = time.perf_counter()
    drafter.draft(cases[0].request())  # builds the critic's fact book and the fact cache for this KB version
    first_ms = (time.perf_counter() - t0) * 1000
    if counter is not None:
        counter.queries = 0
    scores = evaluate.run(cases, drafter.draft, lambda cid: kb.get(cid) is not None)
    samples = [r.latency_ms for r in scores.results]
    for _ in range(REPEAT - 1):
        samples += [r.latency_ms for r in evaluate.run(cases, drafter.draft).results]
    latency = {("latency_samples" if k == "n" else k): v for k, v in latency_figures(samples).items()}
    figures = {"chunks": float(kb.stats()["chunks"]), **scores.figures(), **latency,
               "first_draft_ms": round(first_ms, 1)}
    if counter is not None:
        figures["query_embeddings"] = float(counter.queries)
    failing = [r.case.id for r in scores.results if r.missing or r.forbidden or not r.clean]
    return Result(name, figures, {"p50_ms": " ms", "p95_ms": " ms", "first_draft_ms": " ms"},
                  note + (f"; cases with a miss/forbidden claim/finding: {', '.join(failing)}" if failing else ""))


def run(workdir: Path) -> list[Result]:
    from coach.drafting import evaluate
    from coach.offline import configure_offline
    from coach.retrieval.embeddings import BundledE5Embeddings, CachedEmbeddings, HashEmbeddings

    configure_offline()
    workdir.mkdir(parents=True, exist_ok=True)
    cases = evaluate.load_cases(REPO_ROOT / "eval" / "drafting" / "cases.jsonl")
    demo = _kb(workdir, "demo-kb", CachedEmbeddings(BundledE5Embeddings(), workdir / "vectors.sqlite"))
    demo.index([REPO_ROOT / "knowledge"])
    demo.warmup()
    results = [_measure("drafting.golden_demo", demo, cases,
                        f"{len(cases)} golden cases (eval/drafting/cases.jsonl) over knowledge/, bundled e5 index; "
                        f"latency = Drafter.draft incl. grounding and critic verification, {REPEAT} passes")]
    second = evaluate.load_cases(REPO_ROOT / "eval" / "drafting" / "second_set.jsonl")
    results.append(_measure("drafting.second_set_demo", demo, second,
                            f"{len(second)} cases of eval/drafting/second_set.jsonl (written after the templates; "
                            "see its README for what was tuned on it), same KB"))

    demo_chunks = int(demo.stats()["chunks"])
    n_policies = 150  # 10 clauses each
    src = workdir / "big-src"
    generate_shop(src, n_products=max(0, (TARGET_CHUNKS - demo_chunks - n_policies * 10) // 2), n_policies=n_policies)
    counter = _Counting(HashEmbeddings())
    big = _kb(workdir, "big-kb", counter)
    big.index([REPO_ROOT / "knowledge", src])
    results.append(_measure("drafting.golden_5k", big, cases,
                            "same cases, KB grown to ~5,000 chunks with bench_retrieval.generate_shop (hashed "
                            "embedder for indexing: the drafting path embeds no query, see query_embeddings)",
                            counter))
    return results
