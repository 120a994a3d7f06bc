"""A broken scenario file is rejected with the reason, the line and the field; the library keeps the good ones."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from coach.cli import app
from coach.roleplay.library import ScenarioLibrary, load_scenario
from coach.roleplay.yamlfile import DataFileError

from .conftest import SCENARIO_DIR

BASE = (SCENARIO_DIR / "logistics_delay_angry.yaml").read_text(encoding="utf-8")


def write(tmp_path: Path, text: str, name: str = "logistics_delay_angry") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1) if needle in line)


def problems(path: Path) -> list[str]:
    with pytest.raises(DataFileError) as err:
        load_scenario(path)
    return err.value.problems


def test_the_shipped_file_is_valid(tmp_path: Path) -> None:
    assert load_scenario(write(tmp_path, BASE)).id == "logistics_delay_angry"


def test_missing_field_names_the_field_and_the_parent_line(tmp_path: Path) -> None:
    text = BASE.replace("  patience: 2\n", "")
    (msg,) = problems(write(tmp_path, text))
    assert msg.startswith(f"logistics_delay_angry.yaml:{line_of(text, 'persona:')}: persona.patience:")
    assert "required" in msg.lower()


def test_out_of_range_value_is_reported_at_its_line(tmp_path: Path) -> None:
    text = BASE.replace("difficulty: 2", "difficulty: 9")
    (msg,) = problems(write(tmp_path, text))
    assert msg.startswith(f"logistics_delay_angry.yaml:{line_of(text, 'difficulty: 9')}: difficulty:")


def test_broken_regex_in_a_hidden_fact_trigger(tmp_path: Path) -> None:
    text = BASE.replace("trigger: 联系过|", "trigger: (联系过|")
    (msg,) = problems(write(tmp_path, text))
    assert f":{line_of(text, 'trigger: (联系过')}: hidden_facts.1.trigger: not a valid regular expression" in msg


def test_unknown_principle_scene_and_fact_reference(tmp_path: Path) -> None:
    text = (BASE.replace("focus: [empathy,", "focus: [empathyy,")
            .replace("scene: logistics_delay", "scene: logistics_late")
            .replace("  escalate_mood: 3", "  escalate_mood: 3\n  requires_facts: [no_such_fact]"))
    found = problems(write(tmp_path, text))
    joined = "\n".join(found)
    assert "focus: unknown principle id(s): empathyy" in joined
    assert "scene: unknown scene 'logistics_late'" in joined
    # the cross-reference check runs only once the fields themselves are valid
    fixed = text.replace("empathyy", "empathy").replace("logistics_late", "logistics_delay")
    assert any("requires_facts names no hidden fact: no_such_fact" in p for p in problems(write(tmp_path, fixed)))


def test_a_single_variant_and_duplicate_variants_are_rejected(tmp_path: Path) -> None:
    data = yaml.safe_load(BASE)
    data["lines"]["end"]["resolved"] = ["好的。"]
    data["lines"]["follow_up"]["upset"] = ["一样的话", "一样的话"]
    found = "\n".join(problems(write(tmp_path, yaml.safe_dump(data, allow_unicode=True))))
    assert "lines.end: end.resolved needs at least 2 variants" in found
    assert "lines.follow_up: band 'upset' repeats a variant" in found


def test_follow_up_must_cover_every_mood_band_and_keys_are_checked(tmp_path: Path) -> None:
    data = yaml.safe_load(BASE)
    del data["lines"]["follow_up"]["pleased"]
    data["persona"]["patiense"] = 3
    found = "\n".join(problems(write(tmp_path, yaml.safe_dump(data, allow_unicode=True))))
    assert "no lines for mood band(s) pleased" in found
    assert "persona.patiense: Extra inputs are not permitted" in found


@pytest.mark.parametrize(("content", "expected"), [
    (b"", "must be a YAML mapping"),
    (b"- just\n- a list\n", "must be a YAML mapping"),
    (b"id: x\n  bad: [indent\n", "YAML syntax error"),
    (b"\x00\x01binary", "binary file"),
    ("id: 中文".encode("gbk"), "not UTF-8"),
])
def test_malformed_files_get_a_clear_error(tmp_path: Path, content: bytes, expected: str) -> None:
    path = tmp_path / "x.yaml"
    path.write_bytes(content)
    assert expected in " ".join(problems(path))


def test_huge_file_is_refused_before_parsing(tmp_path: Path) -> None:
    path = write(tmp_path, BASE + "# " + "长" * 200_000 + "\n")
    assert "more than the" in problems(path)[0]


def test_id_must_match_the_file_name(tmp_path: Path) -> None:
    path = write(tmp_path, BASE, name="renamed_copy")
    assert "must match the file name" in problems(path)[0]


def test_library_skips_a_broken_file_and_reports_it(tmp_path: Path) -> None:
    write(tmp_path, BASE)
    write(tmp_path, BASE.replace("id: logistics_delay_angry", "id: second").replace("max_turns: 8", "max_turns: 0"),
          name="second")
    (tmp_path / "_draft.yaml").write_text("not: [valid", encoding="utf-8")  # leading _ = ignored drafts
    lib = ScenarioLibrary.load([tmp_path])
    assert list(lib.scenarios) == ["logistics_delay_angry"]
    (bad_file, found), = lib.errors.items()
    assert bad_file.endswith("second.yaml") and "end.max_turns" in found[0]


def test_duplicate_ids_across_folders_keep_the_first(tmp_path: Path) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    write(a, BASE)
    write(b, BASE)
    lib = ScenarioLibrary.load([a, b])
    assert list(lib.scenarios) == ["logistics_delay_angry"]
    assert "already defined" in next(iter(lib.errors.values()))[0]


def test_cli_validate_and_list_report_broken_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    good = write(tmp_path, BASE)
    bad = write(tmp_path, BASE.replace("difficulty: 2", "difficulty: seven"), name="bad")
    res = CliRunner().invoke(app, ["roleplay", "validate", str(good), str(bad)])
    assert res.exit_code == 1
    assert "✓" in res.output and "bad.yaml:" in res.output and "difficulty" in res.output
    # a trainer's own scenario folder under the data dir: the bad file is reported, the rest still listed
    data = tmp_path / "data"
    (data / "scenarios").mkdir(parents=True)
    (data / "scenarios" / "bad.yaml").write_text(bad.read_text(encoding="utf-8"), encoding="utf-8")
    monkeypatch.setenv("COACH_DATA_DIR", str(data))
    res = CliRunner().invoke(app, ["roleplay", "list", "--json"])
    assert res.exit_code == 0, res.output
    assert "bad.yaml" in res.stderr and "difficulty" in res.stderr
    assert "logistics_delay_angry" in res.stdout
