"""Loaders: every accepted format becomes documents with the right ids, types, sections and dates; every bad input
becomes a LoadError with a reason."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from coach.retrieval.chunking import chunk_documents
from coach.retrieval.documents import LoadError
from coach.retrieval.loaders import load_path

from .conftest import POLICY, PRODUCTS
from .files import encrypted_pdf_bytes, pdf_bytes, write_docx, write_pptx


def ids(path: Path) -> list[str]:
    return [c.id for c in chunk_documents(load_path(path).documents)]


def test_markdown_with_front_matter_one_chunk_per_clause(tmp_path: Path) -> None:
    p = tmp_path / "returns.md"
    p.write_text(POLICY, encoding="utf-8")
    docs = load_path(p).documents
    assert len(docs) == 1
    d = docs[0]
    assert (d.doc_id, d.type, d.title, d.effective_from, d.effective_to) == (
        "policy:returns", "policy", "退换货政策", "2026-01-01", None)
    chunks = chunk_documents(docs)
    assert [c.id for c in chunks] == ["policy:returns#0", "policy:returns#1", "policy:returns#2", "policy:returns#3"]
    clause = chunks[1]
    assert clause.section.label == "1. 七天无理由退货"
    assert clause.text == "签收之日起7天内，商品吊牌完好、不影响二次销售的，可申请七天无理由退货。"
    # the header (title + clause) is embedded and indexed, never part of the cited text
    assert clause.embed_text.startswith("退换货政策｜1. 七天无理由退货\n")
    assert "退换货政策" not in clause.text


def test_long_clause_is_kept_whole(tmp_path: Path) -> None:
    body = "。".join(f"第{i}句规定了一个细节" for i in range(120)) + "。"
    p = tmp_path / "long.md"
    p.write_text(f"# 长条款\n\n## 1. 很长的条款\n{body}\n", encoding="utf-8")
    chunks = chunk_documents(load_path(p).documents)
    assert [c.id for c in chunks] == ["doc:long#1"]
    assert chunks[0].text == body


def test_markdown_without_front_matter_gets_id_type_and_title(tmp_path: Path) -> None:
    p = tmp_path / "发货说明.md"
    p.write_text("# 发货与快递\n\n## 1. 发货时间\n16点前付款当天发出。\n", encoding="utf-8")
    d = load_path(p).documents[0]
    assert (d.doc_id, d.type, d.title) == ("doc:发货说明", "policy", "发货与快递")
    assert ids(p) == ["doc:发货说明#1"]


def test_promotion_guessed_with_its_dates(tmp_path: Path) -> None:
    p = tmp_path / "活动.md"
    p.write_text("# 年货节\n\n活动时间：2026年1月10日至1月20日。全店满200减30，优惠券可叠加。\n", encoding="utf-8")
    d = load_path(p).documents[0]
    assert d.type == "promotion"
    assert (d.effective_from, d.effective_to) == ("2026-01-10", "2026-01-20")


def test_free_markdown_is_split_at_sentence_ends(tmp_path: Path) -> None:
    sentence = "客服回复时先确认买家的问题，再给出解决办法和时间。"
    p = tmp_path / "guide.md"
    p.write_text("# 指南\n\n## 回复原则\n" + sentence * 30 + "\n", encoding="utf-8")
    chunks = chunk_documents(load_path(p).documents)
    assert len(chunks) > 1
    assert all(c.id.startswith("doc:guide#1-") for c in chunks)
    assert all(c.text.endswith("。") for c in chunks)  # never cut mid-sentence
    assert all(c.header == "指南｜回复原则" for c in chunks)


def test_product_yaml_yields_main_specs_size(tmp_path: Path) -> None:
    p = tmp_path / "catalog.yaml"
    p.write_text(PRODUCTS, encoding="utf-8")
    chunks = chunk_documents(load_path(p).documents)
    assert [c.id for c in chunks] == ["product:T-AP-001#main", "product:T-AP-001#specs", "product:T-AP-001#size",
                                      "product:T-HA-001#main", "product:T-HA-001#specs"]
    main = chunks[0]
    assert "原价599元，到手价399元，库存86件" in main.text
    assert main.doc.sku == "T-AP-001" and main.doc.type == "product" and main.doc.effective_from == "2026-09-01"
    assert main.header.startswith("测试 女款轻薄连帽羽绒服（服饰，T-AP-001）")
    assert "M码：身高160-165cm" in chunks[2].text
    assert "功率：1800W" in chunks[4].text


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_csv_with_chinese_headers(tmp_path: Path, encoding: str) -> None:
    p = tmp_path / "家电.csv"
    p.write_text("商品编号,名称,类目,原价,到手价,库存,功率,卖点\n"
                 "C-1,测试 电暖器,小家电,299,199,12,2000W,速热；静音\n"
                 ",缺编号的行,小家电,1,1,1,,\n", encoding=encoding)
    result = load_path(p)
    assert [d.doc_id for d in result.documents] == ["product:C-1"]
    assert result.warnings and "sku" in result.warnings[0]
    text = "\n".join(s.text for s in result.documents[0].sections)
    assert "到手价199元" in text and "功率：2000W" in text and "- 静音" in text


def test_csv_with_english_headers(tmp_path: Path) -> None:
    p = tmp_path / "p.csv"
    p.write_text("sku,name,category,original_price,price,stock\nE-1,Kettle,appliance,10,8,3\n", encoding="utf-8")
    assert ids(p) == ["product:E-1#main"]


def test_template_yaml(tmp_path: Path) -> None:
    p = tmp_path / "templates.yaml"
    p.write_text("id: template:logistics\ntype: template\ntitle: 物流话术\ntemplates:\n"
                 "  - id: delay_apology\n    scene: logistics_delay\n    text: 亲，非常抱歉让您久等了，{tracking}\n",
                 encoding="utf-8")
    chunks = chunk_documents(load_path(p).documents)
    assert [c.id for c in chunks] == ["template:logistics#delay_apology"]
    assert chunks[0].doc.type == "template" and "非常抱歉" in chunks[0].text


def test_docx_headings_become_sections(tmp_path: Path) -> None:
    p = write_docx(tmp_path / "手册.docx")
    d = load_path(p).documents[0]
    assert (d.doc_id, d.type, d.title) == ("doc:手册", "document", "客服培训手册")
    assert [s.label for s in d.sections] == ["", "退货流程", "发票开具"]
    assert "电子普票 | 3个工作日" in d.sections[2].text  # tables are kept, in reading order
    assert ids(p) == ["doc:手册#0-1", "doc:手册#1-1", "doc:手册#2-1"]


def test_pptx_one_section_per_slide(tmp_path: Path) -> None:
    p = write_pptx(tmp_path / "deck.pptx")
    d = load_path(p).documents[0]
    assert [s.key for s in d.sections] == ["s1", "s2"]  # the empty third slide is skipped
    assert d.sections[1].label == "第2页幻灯片：物流延迟怎么回复"
    assert "讲师备注：不要承诺具体到小时的时间" in d.sections[1].text
    assert d.title == "话术培训"


def test_pdf_one_section_per_page(tmp_path: Path) -> None:
    p = tmp_path / "manual.pdf"
    p.write_bytes(pdf_bytes(["Return within 7 days of delivery.", "Refund in 1-3 business days."]))
    d = load_path(p).documents[0]
    assert [s.key for s in d.sections] == ["p1", "p2"]
    assert "7 days" in d.sections[0].text
    assert ids(p) == ["doc:manual#p1-1", "doc:manual#p2-1"]


# ---------------------------------------------------------------- bad input: a reason, never a crash


def _reason(path: Path, max_bytes: int = 20 * 1024 * 1024) -> str:
    with pytest.raises(LoadError) as exc:
        load_path(path, max_bytes)
    return str(exc.value)


def test_empty_files(tmp_path: Path) -> None:
    for name in ("empty.md", "empty.yaml", "empty.pdf", "blank.md"):
        (tmp_path / name).write_bytes(b"" if name != "blank.md" else b"  \n\n ")
        assert "empty" in _reason(tmp_path / name)


def test_binary_renamed_md(tmp_path: Path) -> None:
    p = tmp_path / "photo.md"
    p.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8)
    assert "binary" in _reason(p)


def test_undecodable_text(tmp_path: Path) -> None:
    p = tmp_path / "garbage.md"
    p.write_bytes(bytes([0x81, 0x30, 0xFF, 0xFE, 0x01, 0x02, 0x03, 0x04]) * 200)
    assert "binary" in _reason(p) or "UTF-8" in _reason(p)


def test_broken_yaml(tmp_path: Path) -> None:
    p = tmp_path / "broken.yaml"
    p.write_text("id: catalog:x\nproducts:\n  - sku: A\n    name: [unclosed\n", encoding="utf-8")
    reason = _reason(p)
    assert "broken YAML" in reason and "line" in reason


def test_broken_front_matter(tmp_path: Path) -> None:
    p = tmp_path / "x.md"
    p.write_text("---\nid: [oops\n---\n# t\n\n## 1. a\nb\n", encoding="utf-8")
    assert "front matter" in _reason(p)


def test_oversized_file_is_refused_without_parsing(tmp_path: Path) -> None:
    p = tmp_path / "huge.pdf"
    with open(p, "wb") as f:  # sparse: 50 MB on paper, nothing on disk; parsing it would fail differently
        f.truncate(50 * 1024 * 1024)
    reason = _reason(p)
    assert "too large" in reason and "50.0 MB" in reason
    small = tmp_path / "small.md"
    small.write_text("# t\n\n## 1. a\n" + "字" * 2000, encoding="utf-8")
    assert "too large" in _reason(small, max_bytes=1000)


def test_unknown_extension(tmp_path: Path) -> None:
    p = tmp_path / "prices.xlsx"
    p.write_bytes(b"PK\x03\x04")
    assert "unsupported file type '.xlsx'" in _reason(p) and ".csv" in _reason(p)


def test_encrypted_pdf(tmp_path: Path) -> None:
    p = tmp_path / "secret.pdf"
    p.write_bytes(encrypted_pdf_bytes(["Confidential"]))
    assert "encrypted" in _reason(p)


def test_corrupt_pdf(tmp_path: Path) -> None:
    p = tmp_path / "bad.pdf"
    p.write_bytes(b"%PDF-1.4\n" + b"garbage " * 100)
    assert "PDF" in _reason(p)


def test_pdf_without_text(tmp_path: Path) -> None:
    p = tmp_path / "scan.pdf"
    p.write_bytes(pdf_bytes([""]))
    assert "no extractable text" in _reason(p)


@pytest.mark.parametrize("suffix", [".docx", ".pptx"])
def test_corrupt_and_encrypted_office_files(tmp_path: Path, suffix: str) -> None:
    corrupt = tmp_path / f"corrupt{suffix}"
    corrupt.write_bytes(b"this is not a zip file at all" * 10)
    assert "not a valid" in _reason(corrupt)
    encrypted = tmp_path / f"locked{suffix}"  # password-protected Office files are OLE containers
    encrypted.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 600)
    assert "encrypted" in _reason(encrypted)
    wrong_zip = tmp_path / f"zip{suffix}"
    with zipfile.ZipFile(wrong_zip, "w") as z:
        z.writestr("hello.txt", "not an office document")
    assert "corrupt" in _reason(wrong_zip)
