"""LLM path overhead: the coach's structured critique call vs a direct openai-client call, same loopback server, same
canned answer, same messages, interleaved in one run.

Direct = `openai.OpenAI(...).chat.completions.create(messages, response_format=json_object)` + json.loads of the
content. Coach = `LLM.structured("critique", inputs)`: prompt rendering, PII masking of the untrusted inputs,
LangChain ChatOpenAI, the deadline thread, leak guard, parsing + pydantic validation, usage record.
Figures at two simulated model latencies: 0 ms (pure overhead in absolute ms; no real model answers that fast) and
100 ms (a conservative floor for a hosted or local model's full answer); the ratio at 100 ms is the issue's ≤ 1.10.

`llm_stream_draft`: Services.stream_draft over the demo shop with the model streaming a 58-character draft in 4-character
chunks 20 ms apart, against consuming the same stream bare (LLM.stream): when the first critic-passed sentence shows,
and what the sentence gate plus the final verification (Drafter: grounding, critic) add to the end of the stream.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path
from typing import Any

import openai

from bench.common import Result, percentile
from coach.llm import LLM
from coach.llm.fake_server import FakeOpenAI, Reply
from coach.settings import Settings

DRAFT = "亲，您好！商品签收之日起7天内，不影响二次销售的话可以无理由退货，退货运费由您承担哦。还有其他问题随时找我～"
QUESTION = "衣服穿了一次不喜欢，还能退吗？"

ANSWER = json.dumps({"findings": [
    {"principle": "no_blame_shifting", "verdict": "violated", "evidence": "您自己联系快递吧",
     "explanation": "把处理物流问题的责任推给了顾客和快递", "suggestion": "由店铺主动联系快递催件", "citations": []},
    {"principle": "empathy", "verdict": "violated", "evidence": "这是快递的问题",
     "explanation": "顾客着急，回复没有安抚", "suggestion": "先致歉再处理", "citations": []}],
    "rewrite": "亲，非常抱歉让您久等了！我马上联系快递为您催件，今天18:00前给您回复进展。"}, ensure_ascii=False)
INPUTS: dict[str, Any] = {
    "customer": "快递五天了还没到！到底怎么回事？我的电话13812345678", "context": [], "order": "",
    "draft": "这是快递的问题，您自己联系快递吧。",
    "passages": [{"id": "policy:shipping#5", "text": "物流长时间没有更新时，客服当天向快递公司发起催件。"}],
    "rules_findings": ["no_blame_shifting: violated", "empathy: violated"]}


def _measure(server: FakeOpenAI, llm: LLM, direct: openai.OpenAI, messages: list[dict[str, str]], n: int,
             delay_s: float) -> tuple[list[float], list[float]]:
    server.default = Reply(content=ANSWER, delay_s=delay_s)

    def direct_call() -> None:
        r = direct.chat.completions.create(model="fake-model", messages=messages,  # type: ignore[arg-type]
                                           response_format={"type": "json_object"})
        json.loads(r.choices[0].message.content or "")

    def coach_call() -> None:
        llm.structured("critique", INPUTS)

    for _ in range(5):  # warm both: connection pools, lazy imports
        direct_call()
        coach_call()
    d, c = [], []
    for _ in range(n):  # interleaved, so drift on the shared machine hits both sides alike
        t0 = time.perf_counter()
        direct_call()
        d.append((time.perf_counter() - t0) * 1000)
        t0 = time.perf_counter()
        coach_call()
        c.append((time.perf_counter() - t0) * 1000)
    return d, c


def run(workdir: Path) -> list[Result]:
    workdir.mkdir(parents=True, exist_ok=True)
    results = []
    with FakeOpenAI() as server:
        settings = Settings(data_dir=workdir, llm_base_url=server.base_url, llm_model="fake-model",
                            llm_timeout_s=10, _env_file=None)  # type: ignore[call-arg]
        llm = LLM.from_settings(settings)
        direct = openai.OpenAI(base_url=server.base_url, api_key="x", max_retries=0, timeout=10)
        _prompt, rendered, _guard = llm.render("critique", INPUTS)
        messages = [{"role": {"system": "system", "human": "user"}[m.type], "content": str(m.content)}
                    for m in rendered]
        for delay_ms, n in ((0, 200), (100, 40)):
            d, c = _measure(server, llm, direct, messages, n, delay_ms / 1000)
            dm, cm = statistics.median(d), statistics.median(c)
            results.append(Result(
                name=f"llm_overhead_model_{delay_ms}ms",
                figures={"direct_p50_ms": round(dm, 2), "coach_p50_ms": round(cm, 2),
                         "direct_p95_ms": round(percentile(d, 95), 2), "coach_p95_ms": round(percentile(c, 95), 2),
                         "overhead_ms": round(cm - dm, 2), "ratio": round(cm / dm, 3), "n": float(n)},
                units={k: "ms" for k in ("direct_p50_ms", "coach_p50_ms", "direct_p95_ms", "coach_p95_ms",
                                         "overhead_ms")},
                notes=f"loopback fake server answering after {delay_ms} ms; same messages and canned JSON"))
        llm.close()
        direct.close()
        results.append(_stream(server, workdir))
    return results


def _stream(server: FakeOpenAI, workdir: Path, n: int = 15) -> Result:
    from datetime import date

    from coach.drafting.models import DraftChunk
    from coach.llm.draft import draft_inputs
    from coach.llm.inputs import RedactedRequest
    from coach.models import Case
    from coach.services import Services

    server.default = Reply(content=json.dumps({"citations": [], "draft": DRAFT}, ensure_ascii=False), chunk_chars=4,
                           chunk_delay_s=0.02)
    settings = Settings(data_dir=workdir / "stream", llm_base_url=server.base_url, llm_model="fake-model",
                        llm_timeout_s=10, today=date(2026, 11, 23), _env_file=None)  # type: ignore[call-arg]
    services = Services(settings)
    services.ensure_demo_index()
    llm = services.llm
    assert llm is not None
    inputs = draft_inputs(RedactedRequest(), Case(customer=QUESTION), services.kb.search(QUESTION, k=6))
    first, final, bare = [], [], []
    for i in range(n + 2):  # the first two warm the critic, the drafter and the connection
        t0 = time.perf_counter()
        for _ in llm.stream("draft", inputs):
            pass
        t_bare = (time.perf_counter() - t0) * 1000
        t0, t_first = time.perf_counter(), None
        for event in services.stream_draft(QUESTION):
            if t_first is None and isinstance(event, DraftChunk):
                t_first = (time.perf_counter() - t0) * 1000
        if i >= 2:
            bare.append(t_bare)
            first.append(t_first if t_first is not None else float("nan"))
            final.append((time.perf_counter() - t0) * 1000)
    llm.close()
    b, f, z = statistics.median(bare), statistics.median(first), statistics.median(final)
    return Result(name="llm_stream_draft",
                  figures={"bare_stream_p50_ms": round(b, 1), "first_chunk_p50_ms": round(f, 1),
                           "final_p50_ms": round(z, 1), "final_p95_ms": round(percentile(final, 95), 1),
                           "added_ms": round(z - b, 1), "ratio": round(z / b, 3), "n": float(n)},
                  units={k: "ms" for k in ("bare_stream_p50_ms", "first_chunk_p50_ms", "final_p50_ms",
                                           "final_p95_ms", "added_ms")},
                  notes="loopback fake server streaming 4 chars / 20 ms; demo shop KB; rules critic on every "
                        "sentence and on the final draft")
