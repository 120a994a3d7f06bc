"""Writers for small .docx/.pptx/.pdf files made by the tests themselves."""

from __future__ import annotations

from pathlib import Path


def write_docx(path: Path) -> Path:
    import docx

    d = docx.Document()
    d.core_properties.title = "客服培训手册"
    d.add_paragraph("本手册供新客服上岗前学习。")
    d.add_heading("退货流程", level=1)
    d.add_paragraph("买家申请退货后，客服应在24小时内审核。审核通过后告知退货地址。")
    d.add_heading("发票开具", level=1)
    d.add_paragraph("电子发票在确认收货后3个工作日内开具。")
    table = d.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "发票类型"
    table.cell(0, 1).text = "开具时间"
    table.cell(1, 0).text = "电子普票"
    table.cell(1, 1).text = "3个工作日"
    d.save(str(path))
    return path


def write_pptx(path: Path) -> Path:
    from pptx import Presentation

    deck = Presentation()
    for title, body, notes in [("话术培训", "第一课：共情", ""),
                               ("物流延迟怎么回复", "先道歉，再给出查询结果和预计送达时间。", "不要承诺具体到小时的时间"),
                               ("", "", "")]:
        slide = deck.slides.add_slide(deck.slide_layouts[1])
        if title:
            slide.shapes.title.text = title
        if body:
            slide.placeholders[1].text = body
        if notes:
            slide.notes_slide.notes_text_frame.text = notes
    deck.save(str(path))
    return path


def pdf_bytes(pages: list[str]) -> bytes:
    """A minimal valid PDF with one Helvetica text line per page (ASCII: the standard fonts have no CJK)."""
    objects: list[bytes] = []
    n_pages = len(pages)
    page_ids = [3 + 2 * i for i in range(n_pages)]
    font_id = 3 + 2 * n_pages
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{' '.join(f'{i} 0 R' for i in page_ids)}] /Count {n_pages} >>".encode())
    for i, text in enumerate(pages):
        content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode()
        objects.append(f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {page_ids[i] + 1} 0 R "
                       f"/Resources << /Font << /F1 {font_id} 0 R >> >> >>".encode())
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def encrypted_pdf_bytes(pages: list[str], password: str = "secret") -> bytes:
    import io

    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(pages))))
    writer.encrypt(user_password=password, owner_password=password, algorithm="RC4-128")
    buf = io.BytesIO()
    writer.write(buf)
    return buf.getvalue()
