"""知识库 (admins): upload the shop's documents, index them with a progress bar, see per file what was indexed,
unchanged or failed (and why), preview a search, and see what the knowledge base holds.

Uploads are copied into <data dir>/uploads/ under their own file name, so uploading a newer version of a policy
replaces the old one on the next index run (the index is incremental: unchanged files are not embedded again)."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NamedTuple

import gradio as gr
import pandas as pd

from coach.errors import CoachError
from coach.retrieval.loaders import SUPPORTED_EXTENSIONS
from coach.retrieval.report import IndexReport
from coach.services import Services
from coach.web.render import md_inline

ProgressFn = Callable[[int, int, str], None]
UPLOAD_TYPES = list(SUPPORTED_EXTENSIONS)
RESULT_COLUMNS = ["文件", "结果", "说明"]
HIT_COLUMNS = ["#", "引用", "类型", "标题", "内容", "相关度"]
DOC_COLUMNS = ["文档", "类型", "标题", "片段数"]
TYPE_LABELS = {"policy": "店铺规定", "promotion": "活动", "product": "商品", "template": "话术模板",
               "document": "其他文档"}


class Indexed(NamedTuple):
    results: pd.DataFrame
    summary: str
    stats: str
    documents: pd.DataFrame


def uploads_dir(services: Services) -> Path:
    return services.settings.data_dir / "uploads"


def _safe_name(name: str) -> str:
    """The uploaded file's own name, without folders, control characters or a leading dot (hidden files are not
    indexed)."""
    base = re.sub(r"[\x00-\x1f/\\]", "_", Path(name).name).lstrip(". ")
    return base or "upload"


def store_uploads(services: Services, files: Sequence[str]) -> dict[Path, str]:
    """Copy the uploaded temp files into the uploads folder; returns stored path → the name the admin knows."""
    folder = uploads_dir(services)
    folder.mkdir(parents=True, exist_ok=True)
    stored: dict[Path, str] = {}
    for f in files:
        name = _safe_name(Path(f).name)
        dest = folder / name
        shutil.copyfile(f, dest)
        stored[dest.resolve()] = name
    return stored


def result_table(report: IndexReport, names: dict[Path, str] | None = None) -> pd.DataFrame:
    def show(path: str) -> str:
        return (names or {}).get(Path(path), Path(path).name)

    rows = [[show(p), "✅ 已索引（新文件）", ""] for p in report.added]
    rows += [[show(p), "✅ 已索引（已更新）", ""] for p in report.updated]
    rows += [[show(p), "— 未变化", "内容没变，无需重新索引"] for p in report.unchanged]
    rows += [[show(p), "🗑 已移除", "文件已不存在"] for p in report.removed]
    rows += [[show(i.path), "❌ 失败", i.reason] for i in report.failed]
    rows += [[show(i.path), "跳过", i.reason] for i in report.skipped]
    rows += [[show(i.path), "⚠️ 部分内容未收录", i.reason] for i in report.warnings]
    return pd.DataFrame(rows, columns=RESULT_COLUMNS)


def stats_markdown(services: Services) -> str:
    s = services.kb.stats()
    types = "、".join(f"{TYPE_LABELS.get(t, t)} {n}" for t, n in sorted(s["by_type"].items())) or "无"
    lines = [f"**知识库：{s['chunks']} 个片段，来自 {s['files']} 个文件**（{types}）",
             f"向量模型 `{s['model_id']}` · 存储 {'Chroma 服务器' if s['backend'] == 'server' else '本地'} · "
             f"版本 `{s['version']}`"]
    errors = s.get("last_run_errors") or []
    if errors:
        lines.append(f"\n上次索引有 {len(errors)} 个文件失败：")
        lines += [f"- {md_inline(Path(e['path']).name)}：{md_inline(e['reason'])}" for e in errors[:20]]
    return "\n".join(lines)


def documents_table(services: Services) -> pd.DataFrame:
    """What is indexed, one row per document (reply templates included)."""
    docs: dict[str, list[Any]] = {}
    for p in services.kb.passages():
        row = docs.setdefault(p.doc_id, [p.doc_id, TYPE_LABELS.get(p.type, p.type), p.title, 0])
        row[3] += 1
    return pd.DataFrame(sorted(docs.values()), columns=DOC_COLUMNS)


def _run_index(services: Services, paths: list[Path], names: dict[Path, str] | None,
               progress: ProgressFn | None) -> Indexed:
    try:
        report = services.kb.index(paths, progress=progress)
    except CoachError as exc:
        return Indexed(pd.DataFrame(columns=RESULT_COLUMNS), f"**索引失败：** {md_inline(str(exc))}",
                       stats_markdown(services), documents_table(services))
    if report.added or report.updated or report.removed:
        services.critic.refresh()  # the critic's fact book is built from the KB: rebuild it on next use
    verdict = "✅ 完成" if report.ok else f"⚠️ 完成，{len(report.failed)} 个文件失败（其余已索引）"
    summary = (f"**{verdict}** · 新增 {len(report.added)} · 更新 {len(report.updated)} · "
               f"未变化 {len(report.unchanged)} · 失败 {len(report.failed)} · 嵌入 {report.chunks_embedded} 个片段 · "
               f"用时 {report.seconds:.1f} 秒")
    return Indexed(result_table(report, names), summary, stats_markdown(services), documents_table(services))


def upload_handler(services: Services, files: Sequence[str] | None, progress: ProgressFn | None = None) -> Indexed:
    if not files:
        return Indexed(pd.DataFrame(columns=RESULT_COLUMNS), "**请先选择要上传的文件。**", stats_markdown(services),
                       documents_table(services))
    stored = store_uploads(services, files)
    return _run_index(services, list(stored), stored, progress)


def reindex_handler(services: Services, progress: ProgressFn | None = None) -> Indexed:
    """Re-index the shop's knowledge folder and every upload: only new or changed files are embedded."""
    roots = [p for p in (services.settings.knowledge_dir, uploads_dir(services)) if p.exists()]
    return _run_index(services, roots, None, progress)


def search_handler(services: Services, query: str, k: float = 5) -> pd.DataFrame:
    if not (query or "").strip():
        return pd.DataFrame(columns=HIT_COLUMNS)
    try:
        hits = services.kb.search(query.strip()[:500], k=max(1, min(int(k), 50)))
    except CoachError as exc:
        return pd.DataFrame([["", "", "", "搜索失败", str(exc), ""]], columns=HIT_COLUMNS)
    rows = [[i, h.id, TYPE_LABELS.get(h.type, h.type), h.title + (f" · {h.section}" if h.section else ""),
             " ".join(h.text.split())[:200], f"{h.score:.4f}"] for i, h in enumerate(hits, start=1)]
    return pd.DataFrame(rows, columns=HIT_COLUMNS)


def build(services: Services) -> list[Any]:
    """The tab; returns what to run when the page loads (stats and the document list)."""
    stats = gr.Markdown(elem_id="kb-stats")
    with gr.Row():
        with gr.Column():
            files = gr.File(label="上传文档（" + " ".join(UPLOAD_TYPES) + "）", file_count="multiple",
                            file_types=UPLOAD_TYPES, elem_id="kb-files")
            with gr.Row():
                upload = gr.Button("上传并索引", variant="primary", elem_id="kb-upload")
                reindex = gr.Button("重新索引全部")
        with gr.Column():
            summary = gr.Markdown(elem_id="kb-summary")
            results = gr.Dataframe(headers=RESULT_COLUMNS, label="每个文件的结果", interactive=False, max_height=300)
    with gr.Row():
        query = gr.Textbox(label="搜索预览", placeholder="例如：签收后几天可以退货", scale=4, elem_id="kb-query")
        k = gr.Slider(1, 20, value=5, step=1, label="条数", scale=1)
        search = gr.Button("搜索", scale=1, elem_id="kb-search")
    hits = gr.Dataframe(headers=HIT_COLUMNS, label="搜索结果", interactive=False, wrap=True, max_height=420,
                        elem_id="kb-hits")
    with gr.Accordion("已索引的文档", open=False):
        documents = gr.Dataframe(headers=DOC_COLUMNS, interactive=False, max_height=420)

    def bar(progress: gr.Progress) -> ProgressFn:
        return lambda done, total, label: progress((done, total), desc=label[:40])

    def do_upload(f: list[str] | None, progress: gr.Progress = gr.Progress()) -> Indexed:  # noqa: B008
        return upload_handler(services, f, bar(progress))

    def do_reindex(progress: gr.Progress = gr.Progress()) -> Indexed:  # noqa: B008
        return reindex_handler(services, bar(progress))

    outputs = [results, summary, stats, documents]
    upload.click(do_upload, files, outputs, concurrency_limit=1, concurrency_id="kb-index")
    reindex.click(do_reindex, None, outputs, concurrency_limit=1, concurrency_id="kb-index")
    for event in (query.submit, search.click):
        event(lambda q, n: search_handler(services, q, n), [query, k], hits)
    return [(lambda: stats_markdown(services), [], [stats]), (lambda: documents_table(services), [], [documents])]
