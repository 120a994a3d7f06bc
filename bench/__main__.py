"""`make bench`: run every benchmark module, write bench/results.json and print a short table.

Usage: python -m bench [name-substring ...]   (no argument = all)
"""

from __future__ import annotations

import importlib
import json
import pkgutil
import sys
import tempfile
import time
from pathlib import Path

from coach.offline import configure_offline

configure_offline()

from bench.common import Result  # noqa: E402

HERE = Path(__file__).resolve().parent


def discover() -> list[str]:
    return sorted(m.name for m in pkgutil.iter_modules([str(HERE)]) if m.name.startswith("bench_"))


def main(argv: list[str]) -> int:
    wanted = [a for a in argv if not a.startswith("-")]
    modules = [m for m in discover() if not wanted or any(w in m for w in wanted)]
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="coach-bench-") as tmp:
        for name in modules:
            mod = importlib.import_module(f"bench.{name}")
            t0 = time.perf_counter()
            print(f"== {name} …", flush=True)
            results.extend(mod.run(Path(tmp) / name))
            print(f"   done in {time.perf_counter() - t0:.1f}s", flush=True)
    out = HERE / "results.json"
    previous = json.loads(out.read_text(encoding="utf-8")) if out.exists() and wanted else []
    keep = [r for r in previous if r["name"] not in {x.name for x in results}]
    out.write_text(json.dumps(keep + [r.as_json() for r in results], ensure_ascii=False, indent=2), encoding="utf-8")
    print(f"\n{'benchmark':38} figures")
    for r in results:
        figs = ", ".join(f"{k}={v}{r.units.get(k, '')}" for k, v in r.figures.items())
        print(f"{r.name:38} {figs}")
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
