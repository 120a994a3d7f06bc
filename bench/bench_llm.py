"""LLM path overhead: the coach's structured critique call vs a direct openai-client call, same loopback server, same
canned answer, same messages, interleaved in one run.

Direct = `openai.OpenAI(...).chat.completions.create(messages, response_format=json_object)` + json.loads of the
content. Coach = `LLM.structured("critique", inputs)`: prompt rendering, PII masking of the untrusted inputs,
LangChain ChatOpenAI, the deadline thread, leak guard, parsing + pydantic validation, usage record.
Figures at two simulated model latencies: 0 ms (pure overhead in absolute ms; no real model answers that fast) and
100 ms (a conservative floor for a hosted or local model's full answer); the ratio at 100 ms is the issue's ≤ 1.10.
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
    return results
