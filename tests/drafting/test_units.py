"""Pure parts of drafting: reading height/weight, choosing a size from a chart, the golden-set loader."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.drafting.evaluate import load_cases
from coach.drafting.grounding import refine_scene
from coach.drafting.sizing import advise, body_data, chart_rows
from coach.errors import InputError

CHART = """尺码表（平铺测量）：
S码：身高155-160cm，体重40-47kg，胸围98cm
M码：身高160-165cm，体重47-55kg，胸围102cm
L码：身高165-170cm，体重55-62kg，胸围106cm"""


@pytest.mark.parametrize(("text", "expected"), [
    ("身高165体重110斤", (165, 55.0)),
    ("1米72，65公斤", (172, 65.0)),
    ("我150斤", (None, 75.0)),
    ("158cm 45kg", (158, 45.0)),
    ("平时穿M码", (None, None)),
])
def test_body_data(text: str, expected: tuple[int | None, float | None]) -> None:
    assert body_data(text) == expected


def test_advise_inside_between_outside_and_partial() -> None:
    rows = chart_rows(CHART)
    assert [r.size for r in rows] == ["S", "M", "L"]
    assert advise(rows, 162, 50)["size"] == "M"  # type: ignore[index]
    between = advise(rows, 165, 55)
    assert between is not None and between["size"] == "L" and between["between"] is True
    assert advise(rows, 183, 95)["out_of_range"] is True  # type: ignore[index]
    assert advise(rows, 170, None)["partial"] is True  # type: ignore[index]
    assert advise([], 170, 60) is None


def test_scene_hints_only_apply_from_their_scenes() -> None:
    hints = [{"scene": "defect_after_sales", "from": ["presale_product"], "said": "红疹|坏了"}]
    assert refine_scene("presale_product", "脸上起红疹", hints) == "defect_after_sales"
    assert refine_scene("refund_status", "脸上起红疹", hints) == "refund_status"
    assert refine_scene("presale_product", "脸上起红疹", hints, explicit=True) == "presale_product"


def test_golden_loader_names_bad_lines(tmp_path: Path) -> None:
    p = tmp_path / "cases.jsonl"
    p.write_text('{"id": "A", "customer": "x", "must_contain": ["(unclosed"]}\n'
                 '{"id": "A", "customer": "y"}\n{not json\n', encoding="utf-8")
    with pytest.raises(InputError) as exc:
        load_cases(p)
    msg = str(exc.value)
    assert "cases.jsonl:1" in msg and "cases.jsonl:3" in msg


def test_shipped_golden_sets_are_valid_and_cover_every_scene() -> None:
    from coach.critic.situation import SCENES
    from coach.settings import REPO_ROOT

    cases = load_cases(REPO_ROOT / "eval" / "drafting" / "cases.jsonl")
    assert len(cases) >= 60 and {c.scene for c in cases} == set(SCENES)
    assert all(c.must_contain for c in cases)
    assert load_cases(REPO_ROOT / "eval" / "drafting" / "second_set.jsonl")
