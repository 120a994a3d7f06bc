"""Regenerate coach/data/demo-vectors.sqlite: the bundled model's vectors for every demo-shop chunk, so that a fresh
install indexes the demo shop without embedding anything (`make run` answers within seconds).

    .venv/bin/python -m coach.retrieval.seed        # after changing files under knowledge/

The file is only a cache keyed by model id + exact text: stale entries are simply never hit.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from coach.offline import configure_offline
from coach.settings import Settings


def main() -> int:
    configure_offline()
    from coach.retrieval import KnowledgeBase
    from coach.retrieval.embeddings import BundledE5Embeddings, CachedEmbeddings
    from coach.services import DEMO_VECTORS

    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    out = DEMO_VECTORS
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / "vectors.sqlite"
        emb = CachedEmbeddings(BundledE5Embeddings(), fresh)
        kb = KnowledgeBase.open(settings.model_copy(update={"data_dir": Path(tmp) / "data"}), embeddings=emb)
        report = kb.index([settings.knowledge_dir])
        kb.close()
        emb._db.execute("VACUUM")
        emb._db.close()
        out.write_bytes(fresh.read_bytes())
    print(f"wrote {out} ({out.stat().st_size // 1024} KiB, {report.chunks_total} chunks)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
