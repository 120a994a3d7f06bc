"""知识库 tab handlers on the test's own data dir (hashed embedder: no model), never the shared demo index."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.services import Services
from coach.settings import Settings
from coach.web.tabs.knowledge import (
    reindex_handler,
    search_handler,
    stats_markdown,
    upload_handler,
    uploads_dir,
)

POLICY = "# 退换货说明\n\n## 七天无理由\n\n签收后七天内，商品不影响二次销售，可以申请七天无理由退货。\n"


@pytest.fixture
def admin(settings: Settings, tmp_path: Path) -> Services:
    shop = tmp_path / "shop"
    shop.mkdir()
    (shop / "delivery.md").write_text("# 发货说明\n\n付款后48小时内发货，默认中通快递。\n", encoding="utf-8")
    return Services(settings.model_copy(update={"embeddings": "hash", "knowledge_dir": shop}))


def _upload(tmp_path: Path, name: str, data: bytes) -> str:
    """What Gradio hands the handler: a temp file carrying the uploaded file's own name."""
    folder = tmp_path / "gradio-tmp" / name.replace("/", "_")
    folder.mkdir(parents=True)
    path = folder / Path(name).name
    path.write_bytes(data)
    return str(path)


def test_upload_indexes_good_files_and_explains_failures(admin: Services, tmp_path: Path) -> None:
    files = [_upload(tmp_path, "退换货.md", POLICY.encode()), _upload(tmp_path, "价目表.xls", b"\xd0\xcf\x11\xe0"),
             _upload(tmp_path, "手册.docx", b"not a zip")]
    ticks: list[int] = []
    out = upload_handler(admin, files, lambda done, total, label: ticks.append(done))
    rows = {r["文件"]: (r["结果"], r["说明"]) for _, r in out.results.iterrows()}
    assert rows["退换货.md"][0].startswith("✅ 已索引")
    assert rows["价目表.xls"][0] == "❌ 失败" and ".csv" in rows["价目表.xls"][1]
    assert rows["手册.docx"][0] == "❌ 失败" and rows["手册.docx"][1]
    assert "2 个文件失败" in out.summary and ticks
    assert "来自 1 个文件" in out.stats and "上次索引有 2 个文件失败" in out.stats
    assert list(out.documents["标题"]) == ["退换货说明"]
    hits = search_handler(admin, "签收后几天可以退货", 3)
    assert "七天无理由" in hits.iloc[0]["内容"]


def test_same_upload_again_is_unchanged_and_names_cannot_escape(admin: Services, tmp_path: Path) -> None:
    upload_handler(admin, [_upload(tmp_path, "a/退换货.md", POLICY.encode())])
    again = upload_handler(admin, [_upload(tmp_path, "b/退换货.md", POLICY.encode())])
    assert list(again.results["结果"]) == ["— 未变化"]
    assert sorted(p.name for p in uploads_dir(admin).iterdir()) == ["退换货.md"]
    hidden = upload_handler(admin, [_upload(tmp_path, ".env.md", POLICY.encode())])
    assert (uploads_dir(admin) / "env.md").exists() and not hidden.results.empty


def test_reindex_covers_the_shop_folder_and_uploads(admin: Services, tmp_path: Path) -> None:
    upload_handler(admin, [_upload(tmp_path, "退换货.md", POLICY.encode())])
    out = reindex_handler(admin)
    results = dict(zip(out.results["文件"], out.results["结果"], strict=True))
    assert results["delivery.md"].startswith("✅ 已索引") and results["退换货.md"] == "— 未变化"
    assert "来自 2 个文件" in stats_markdown(admin)


def test_empty_inputs(admin: Services) -> None:
    assert "请先选择" in upload_handler(admin, []).summary
    assert search_handler(admin, "  ").empty
    assert search_handler(admin, "退货").empty  # nothing indexed yet: an empty table, not an error
