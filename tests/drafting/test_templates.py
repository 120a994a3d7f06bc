"""The template library is data trainers edit: every mistake must be rejected at load time, naming the file, the
line and the template id, before any customer sees a half-rendered reply."""

from __future__ import annotations

from pathlib import Path

import pytest

from coach.drafting import VOCABULARY, TemplateError, load_library
from coach.drafting.templates import tidy
from coach.settings import REPO_ROOT

HEADER = "id: template:t\ntype: template\ntitle: 测试\nscene: logistics_delay\n"
FACTS = "facts:\n  ship_hours:\n    query: 发货时效\n    pattern: 付款后(?P<value>\\d+小时)内发货\n"


def write(tmp_path: Path, body: str, name: str = "logistics_delay.yaml") -> Path:
    folder = tmp_path / "templates"
    folder.mkdir(exist_ok=True)
    (folder / name).write_text(HEADER + body, encoding="utf-8")
    return folder


def load_error(folder: Path) -> str:
    with pytest.raises(TemplateError) as exc:
        load_library(folder, VOCABULARY)
    return str(exc.value)


def test_shop_library_loads_and_covers_every_scene() -> None:
    lib = load_library(REPO_ROOT / "knowledge" / "templates", VOCABULARY)
    from coach.critic.situation import SCENES

    assert set(SCENES) <= lib.scenes
    for name in ("common.opening", "common.ack", "common.closing", "common.holding"):
        assert lib.get(name)
    assert "return_days" in lib.facts and lib.attributes


def test_jinja_syntax_error_names_file_line_and_template(tmp_path: Path) -> None:
    folder = write(tmp_path, "templates:\n  - id: ld.broken\n    variables: [opening]\n"
                             "    text: \"{{ opening }}{% if order_id %}没有结束标签\"\n")
    msg = load_error(folder)
    assert "logistics_delay.yaml:6" in msg and "ld.broken" in msg and "syntax error" in msg


def test_undeclared_variable_is_rejected(tmp_path: Path) -> None:
    folder = write(tmp_path, "templates:\n  - id: ld.undeclared\n    variables: [opening]\n"
                             "    text: \"{{ opening }}订单{{ order_id }}\"\n")
    msg = load_error(folder)
    assert "ld.undeclared" in msg and "order_id" in msg and "undeclared" in msg


def test_unknown_variable_is_rejected_with_the_known_ones(tmp_path: Path) -> None:
    folder = write(tmp_path, "templates:\n  - id: ld.typo\n    variables: [opening, oder_id]\n"
                             "    text: \"{{ opening }}{{ oder_id }}\"\n")
    msg = load_error(folder)
    assert "ld.typo" in msg and "oder_id" in msg and "order_id" in msg  # the known list helps fix the typo


def test_unknown_attribute_of_an_object_variable(tmp_path: Path) -> None:
    folder = write(tmp_path, "templates:\n  - id: ld.attr\n    variables: [product]\n"
                             "    text: \"{{ product.prise }}元\"\n")
    msg = load_error(folder)
    assert "ld.attr" in msg and "prise" in msg


def test_bad_regex_in_said_and_unknown_when_variable(tmp_path: Path) -> None:
    folder = write(tmp_path, "templates:\n  - id: ld.said\n    when: \"said('(没发货')\"\n"
                             "    variables: [opening]\n    text: x\n")
    assert "ld.said" in load_error(folder) and "regular expression" in load_error(folder)
    folder = write(tmp_path, "templates:\n  - id: ld.when\n    when: \"orderid\"\n    variables: [opening]\n"
                             "    text: x\n")
    assert "ld.when" in load_error(folder) and "orderid" in load_error(folder)


def test_facts_join_the_vocabulary_and_bad_fact_pattern_is_rejected(tmp_path: Path) -> None:
    folder = write(tmp_path, FACTS + "templates:\n  - id: ld.ok\n    variables: [ship_hours]\n"
                                     "    text: 付款后{{ ship_hours }}内发货\n")
    lib = load_library(folder, VOCABULARY)
    assert lib.get("ld.ok").variables == ("ship_hours",)
    folder = write(tmp_path, "facts:\n  x:\n    query: q\n    pattern: \"(unclosed\"\ntemplates: []\n")
    assert "fact 'x'" in load_error(folder)


def test_yaml_error_has_line_and_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    folder = write(tmp_path, "templates:\n  - id: a\n    text: [unclosed\n")
    msg = load_error(folder)
    assert "logistics_delay.yaml:" in msg and "invalid YAML" in msg
    folder = write(tmp_path, "templates:\n  - {id: dup, variables: [], text: a}\n  - {id: dup, variables: [], text: b}\n")
    assert "dup" in load_error(folder) and "twice" in load_error(folder)


def test_binary_and_empty_folders_are_clear_errors(tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    folder.mkdir()
    assert "no template files" in load_error(folder)
    (folder / "x.yaml").write_bytes(b"\x00\x01binary")
    assert "binary" in load_error(folder)


def test_render_is_sandboxed_and_values_are_data(tmp_path: Path) -> None:
    folder = write(tmp_path, "templates:\n  - id: ld.s\n    variables: [opening]\n    text: \"{{ opening }}\"\n")
    lib = load_library(folder, VOCABULARY)
    t = lib.get("ld.s")
    # a value that looks like a template is printed, never evaluated
    assert lib.render(t, {"opening": "{{ 7*7 }}"}, lambda _: False) == "{{ 7*7 }}"
    folder = write(tmp_path, "templates:\n  - id: ld.x\n    variables: [opening]\n"
                             "    text: \"{{ opening.__class__.__mro__ }}\"\n")
    from jinja2.exceptions import SecurityError

    lib = load_library(folder, VOCABULARY)
    with pytest.raises(SecurityError):
        lib.render(lib.get("ld.x"), {"opening": "x"}, lambda _: False)


def test_tidy_joins_folded_lines_without_spaces_in_chinese() -> None:
    assert tidy("亲，您好 ，\n  订单 123 已发出。\n 还有问题随时找我~ ") == "亲，您好，订单123已发出。还有问题随时找我~"
    assert tidy("，，让您久等了。。") == "让您久等了。"
