"""`.lane.json` files: round trips, layout, unknown keys, versions, atomic saves, bad input, CLI."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

import laneforge.io.lanejson as lanejson
from laneforge.cli import main
from laneforge.io import (
    MIGRATIONS,
    ProcessFileError,
    dumps,
    load_process,
    loads,
    process_from_data,
    save_process,
)

from conftest import REPO, template_paths

EXPECTED_TEMPLATES = {"revops-swimlane", "lead-qualification", "lead-lifecycle", "closed-loop",
                      "capture-nurture-cleanse"}


def _template(name: str) -> Path:
    return REPO / "processes" / f"{name}.lane.json"


#: every template there is, and the four there must be (a missing one fails its tests)
TEMPLATES = sorted(
    EXPECTED_TEMPLATES | {p.name.removesuffix(".lane.json") for p in template_paths()}
)


def reference_data(reference_path: Path) -> dict:
    return json.loads(reference_path.read_text(encoding="utf-8"))


def write_json(path: Path, data) -> Path:
    path.write_text(json.dumps(data), encoding="utf-8")
    return path


def load_error(path: Path) -> ProcessFileError:
    with pytest.raises(ProcessFileError) as caught:
        load_process(path)
    return caught.value


def assert_one_line_naming(error: ProcessFileError, path: Path, field: str | None) -> None:
    text = str(error)
    assert "\n" not in text
    assert text.startswith(f"{path}: ")
    assert error.field == field
    if field is not None:
        assert text.startswith(f"{path}: {field}: ")


# --- round trips -----------------------------------------------------------------------------


def assert_round_trip(path: Path, tmp_path: Path) -> None:
    process = load_process(path)
    first = tmp_path / "first.lane.json"
    save_process(process, first)
    again = load_process(first)
    assert again == process
    second = tmp_path / "second.lane.json"
    save_process(again, second)
    assert second.read_bytes() == first.read_bytes()
    assert dumps(again) == first.read_text(encoding="utf-8")


def test_reference_funnel_round_trips(reference_path, tmp_path):
    assert_round_trip(reference_path, tmp_path)


@pytest.mark.parametrize("name", TEMPLATES)
def test_template_round_trips(name, tmp_path):
    assert_round_trip(_template(name), tmp_path)


def test_the_bundled_templates_are_there():
    assert {p.name.removesuffix(".lane.json") for p in template_paths()} == EXPECTED_TEMPLATES


def test_saved_file_keeps_every_value(reference_path):
    process = load_process(reference_path)
    reread = json.loads(dumps(process))
    original = reference_data(reference_path)
    for before, after in zip(original["nodes"], reread["nodes"], strict=True):
        assert after == before
    assert reread["edges"] == original["edges"]
    assert reread["lanes"] == original["lanes"]


def test_an_empty_process_round_trips():
    process = process_from_data({"format": "laneforge/process", "version": 1})
    assert loads(dumps(process)) == process
    assert json.loads(dumps(process)) == {
        "format": "laneforge/process", "version": 1, "name": "Untitled process",
        "lanes": [], "nodes": [], "edges": [],
    }


def test_text_is_kept_exactly(reference_path):
    data = reference_data(reference_path)
    data["name"] = "Pipeline – Q3 «EMEA» 🚀"
    data["description"] = 'Quotes " and \\ backslashes\nand lines'
    process = process_from_data(data)
    again = loads(dumps(process).encode("utf-8"))
    assert (again.name, again.description) == (data["name"], data["description"])
    assert "🚀" in dumps(process)  # written as UTF-8, not escaped


# --- layout ----------------------------------------------------------------------------------


def test_two_space_indent(reference_process):
    text = dumps(reference_process)
    lines = text.splitlines()
    assert text.endswith("}\n")
    assert "\t" not in text
    assert lines[1] == '  "format": "laneforge/process",'
    depth = 0
    for line in lines:
        stripped = line.lstrip(" ")
        if stripped[:1] in "]}":
            depth -= 1
        assert len(line) - len(stripped) == 2 * depth, line
        if stripped.endswith(("{", "[")):
            depth += 1
    assert depth == 0


def test_positions_stay_on_one_line(reference_process):
    assert '      "pos": [40, 60]\n' in dumps(reference_process)


def test_stable_key_order(reference_path):
    data = reference_data(reference_path)
    data["stages"] = ["Lead", "MQL"]
    data["nodes"][1].update({"pos": [1, 2], "stage": "MQL", "staff": 1, "priority": 2,
                             "name": "Enrich", "duration": "1h", "lane": "marketing",
                             "kind": "task", "id": "enrich"})
    data["nodes"][1] = dict(reversed(list(data["nodes"][1].items())))
    data["lanes"][0] = {"color": "#4C78A8", "staff": 7, "name": "Marketing", "id": "marketing"}
    data["edges"][2] = {"label": "dup", "probability": 0.1, "to": "duplicate",
                        "from": "is_duplicate"}
    shuffled = dict(reversed(list(data.items())))
    written = json.loads(dumps(process_from_data(shuffled)))
    assert list(written)[:4] == ["format", "version", "name", "description"]
    assert list(written).index("lanes") < list(written).index("nodes") < list(
        written).index("edges")
    node = written["nodes"][1]
    assert list(node)[:4] == ["id", "kind", "lane", "name"]
    assert list(node)[-1] == "pos"
    assert list(written["lanes"][0]) == ["id", "name", "staff", "color"]
    assert list(written["edges"][2])[:2] == ["from", "to"]


def test_every_node_is_written_with_id_kind_lane_first_and_pos_last(reference_process):
    for node in json.loads(dumps(reference_process))["nodes"]:
        assert list(node)[:4] == ["id", "kind", "lane", "name"]
        assert list(node)[-1] == "pos"


def test_unlimited_staff_is_written_as_null(reference_path):
    data = reference_data(reference_path)
    data["lanes"].append({"id": "consumer", "name": "Consumer", "staff": None})
    written = json.loads(dumps(process_from_data(data)))
    assert written["lanes"][-1] == {"id": "consumer", "name": "Consumer", "staff": None}


# --- unknown keys ----------------------------------------------------------------------------


def test_unknown_keys_are_preserved(reference_path, tmp_path):
    data = reference_data(reference_path)
    data["x_owner"] = {"team": "revops", "ticket": 42}
    data["simulation"]["x_note"] = "keep"
    data["nodes"][1]["notes"] = "ask Dana about enrichment vendors"
    data["nodes"][1]["duration"]["x_source"] = "2025 survey"
    data["lanes"][0]["manager"] = "Ann"
    data["edges"][2]["style"] = {"dash": True}
    path = write_json(tmp_path / "p.lane.json", data)
    process = load_process(path)
    save_process(process, path)
    written = json.loads(path.read_text(encoding="utf-8"))
    assert written["x_owner"] == {"team": "revops", "ticket": 42}
    assert written["simulation"]["x_note"] == "keep"
    assert written["nodes"][1]["notes"] == "ask Dana about enrichment vendors"
    assert written["nodes"][1]["duration"]["x_source"] == "2025 survey"
    assert list(written["nodes"][1])[-1] == "pos"
    assert written["lanes"][0]["manager"] == "Ann"
    assert written["edges"][2]["style"] == {"dash": True}
    assert load_process(path) == process


# --- versions --------------------------------------------------------------------------------


def test_newer_version_is_refused_naming_the_field(reference_path, tmp_path):
    data = reference_data(reference_path)
    data["version"] = 2
    path = write_json(tmp_path / "new.lane.json", data)
    error = load_error(path)
    assert_one_line_naming(error, path, "version")
    assert "newer" in str(error) and "update laneforge" in str(error)


@pytest.mark.parametrize("version", [0, -1, "1", 1.0, True, None])
def test_bad_versions_are_refused(reference_path, version):
    data = reference_data(reference_path)
    data["version"] = version
    with pytest.raises(ProcessFileError) as caught:
        process_from_data(data, "p.json")
    assert caught.value.field == "version"


def test_missing_version_is_refused(reference_path):
    data = reference_data(reference_path)
    del data["version"]
    with pytest.raises(ProcessFileError) as caught:
        process_from_data(data, "p.json")
    assert caught.value.field == "version"


def test_migration_hook_runs_for_older_versions(reference_path, monkeypatch):
    calls = []

    def rename_label(data: dict) -> dict:
        calls.append(data["version"])
        for node in data["nodes"]:
            node["name"] = node.pop("label")
        return data

    monkeypatch.setattr(lanejson, "VERSION", 2)
    monkeypatch.setitem(MIGRATIONS, 1, rename_label)
    data = reference_data(reference_path)
    for node in data["nodes"]:
        node["label"] = node.pop("name")
    process = process_from_data(data)
    assert calls == [1]
    assert process.version == 2
    assert process.node("enrich").name == "Enrich lead"
    assert "label" not in process.node("enrich").model_extra


def test_missing_migration_is_a_clear_error(reference_path, monkeypatch):
    monkeypatch.setattr(lanejson, "VERSION", 3)
    monkeypatch.setitem(MIGRATIONS, 1, lambda data: data)
    with pytest.raises(ProcessFileError) as caught:
        process_from_data(reference_data(reference_path), "p.json")
    assert caught.value.field == "version"
    assert "no migration from version 2" in str(caught.value)


# --- atomic save -----------------------------------------------------------------------------


def test_failed_save_leaves_the_original_and_no_temp_file(reference_process, tmp_path,
                                                          monkeypatch):
    path = tmp_path / "funnel.lane.json"
    save_process(reference_process, path)
    original = path.read_bytes()
    changed = reference_process.detached_copy()
    changed.edit.set_value("name", "Changed")

    def fail(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(ProcessFileError) as caught:
        save_process(changed, path)
    assert "No space left on device" in str(caught.value)
    assert str(caught.value).startswith(str(path))
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["funnel.lane.json"]


def test_interrupted_save_leaves_no_temp_file(reference_process, tmp_path, monkeypatch):
    path = tmp_path / "funnel.lane.json"
    save_process(reference_process, path)
    original = path.read_bytes()

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "replace", interrupt)
    with pytest.raises(KeyboardInterrupt):
        save_process(reference_process, path)
    assert path.read_bytes() == original
    assert [p.name for p in tmp_path.iterdir()] == ["funnel.lane.json"]


def test_save_keeps_the_permissions_of_an_existing_file(reference_process, tmp_path):
    path = tmp_path / "funnel.lane.json"
    path.write_text("{}", encoding="utf-8")
    path.chmod(0o640)
    save_process(reference_process, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert load_process(path) == reference_process


def test_new_file_gets_default_permissions(reference_process, tmp_path):
    path = tmp_path / "new.lane.json"
    save_process(reference_process, path)
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask


def test_save_into_a_missing_folder_is_a_process_file_error(reference_process, tmp_path):
    path = tmp_path / "no" / "such" / "folder" / "p.lane.json"
    with pytest.raises(ProcessFileError) as caught:
        save_process(reference_process, path)
    assert str(caught.value).startswith(str(path))


# --- malformed files -------------------------------------------------------------------------


def broken(reference_path: Path, change) -> dict:
    data = reference_data(reference_path)
    change(data)
    return data


WRONG_FIELDS = [
    ("staff-as-text", lambda d: d["lanes"][0].update(staff="eight"), "lanes[0].staff",
     "expected a whole number, got 'eight'"),
    ("bad-duration", lambda d: d["nodes"][1].update(duration="2hrs"), "nodes[1].duration",
     "unknown time unit 'hrs'"),
    ("negative-duration", lambda d: d["nodes"][1].update(duration="-1h"), "nodes[1].duration",
     "negative"),
    ("unknown-kind", lambda d: d["nodes"][1].update(kind="gateway"), "nodes[1].kind",
     "'kind' must be one of: source, task, decision, delay, cadence, end"),
    ("missing-kind", lambda d: d["nodes"][1].pop("kind"), "nodes[1].kind", "'kind' must be"),
    ("kind-as-list", lambda d: d["nodes"][1].update(kind=["task"]), "nodes[1].kind",
     "'kind' must be"),
    ("dist-as-list", lambda d: d["nodes"][1].update(duration={"dist": ["normal"]}),
     "nodes[1].duration", "one of: exponential"),
    ("dist-as-object", lambda d: d["nodes"][1].update(duration={"dist": {}}),
     "nodes[1].duration", "one of: exponential"),
    ("bad-rate", lambda d: d["nodes"][0].update(arrivals={"rate": "5/fortnight"}),
     "nodes[0].arrivals.rate", "fortnight"),
    ("probability-as-text", lambda d: d["edges"][2].update(probability="0.1"),
     "edges[2].probability", "expected a number"),
    ("probability-above-one", lambda d: d["edges"][2].update(probability=1.5),
     "edges[2].probability", "between 0 and 1"),
    ("edge-without-target", lambda d: d["edges"][2].pop("to"), "edges[2].to", "required"),
    ("nodes-not-a-list", lambda d: d.update(nodes={}), "nodes", "expected a list"),
    ("duplicate-node-id", lambda d: d["nodes"][3].update(id="enrich"), "nodes[3].id",
     "duplicate id 'enrich'"),
    ("duplicate-edge", lambda d: d["edges"].append({"from": "inbound", "to": "enrich"}),
     "edges[15]", "a second edge"),
    ("bad-id", lambda d: d["nodes"][0].update(id="has space"), "nodes[0].id", "not a valid id"),
    ("bad-start", lambda d: d.update(start="monday"), "start", "date and time"),
    ("bad-calendar", lambda d: d.update(calendars={"office": {"hours": "9-5"}}),
     "calendars.office.hours", "HH:MM"),
    ("bad-seed", lambda d: d.update(simulation={"seed": "x"}), "simulation.seed", "whole number"),
    ("unknown-calendar-zone", lambda d: d.update(
        calendars={"office": {"hours": "09:00-17:00", "timezone": "Europe/Lodnon"}}),
     "calendars.office.timezone", "unknown time zone 'Europe/Lodnon'"),
    ("unknown-process-zone", lambda d: d.update(simulation={"timezone": "EST+5"}),
     "simulation.timezone", "unknown time zone"),
    ("zone-not-text", lambda d: d.update(simulation={"timezone": 5}), "simulation.timezone",
     "text"),
    ("start-with-offset", lambda d: d.update(start="2026-01-05T09:00+01:00"), "start",
     "simulation.timezone"),
    ("short-pos", lambda d: d["nodes"][0].update(pos=[1]), "nodes[0].pos[1]", "required"),
    ("bad-colour", lambda d: d["lanes"][0].update(color="blue"), "lanes[0].color", "colour"),
    ("wrong-format", lambda d: d.update(format="bpmn"), "format", "not a laneforge process"),
    ("missing-format", lambda d: d.pop("format"), "format", "no 'format' field"),
    ("forbidden-expression", lambda d: d["edges"][2].update(when="open('x')"), "edges[2].when",
     "function calls"),
]


@pytest.mark.parametrize(("change", "field", "words"), [c[1:] for c in WRONG_FIELDS],
                         ids=[c[0] for c in WRONG_FIELDS])
def test_wrong_field_names_the_file_and_the_field(reference_path, tmp_path, change, field,
                                                  words):
    path = write_json(tmp_path / "broken.lane.json", broken(reference_path, change))
    error = load_error(path)
    assert_one_line_naming(error, path, field)
    assert words in str(error)


RAW_FILES = [
    ("truncated", lambda text: text[: len(text) // 2].encode(), "invalid JSON"),
    ("empty", lambda text: b"", "invalid JSON"),
    ("array-at-top", lambda text: b"[1, 2, 3]", "expected a JSON object"),
    ("string-at-top", lambda text: b'"laneforge/process"', "expected a JSON object"),
    ("not-utf8", lambda text: text.encode("utf-16"), "not UTF-8"),
    ("latin1", lambda text: text.replace("Inbound", "Entr\u00e9e").encode("latin-1"),
     "not UTF-8"),
    ("nan", lambda text: text.replace('"replications": 1', '"replications": NaN').encode(),
     "NaN"),
    ("infinity", lambda text: text.replace('"replications": 1', '"replications": -Infinity')
     .encode(), "Infinity"),
    ("deep-nesting", lambda text: b"[" * 200_000 + b"]" * 200_000, "invalid JSON"),
    ("huge-number", lambda text: text.replace('"version": 1', '"version": ' + "9" * 5000)
     .encode(), "invalid JSON"),
    ("trailing-garbage", lambda text: (text + "}").encode(), "invalid JSON"),
]


@pytest.mark.parametrize(("make", "words"), [c[1:] for c in RAW_FILES],
                         ids=[c[0] for c in RAW_FILES])
def test_unreadable_file_gives_one_line_naming_the_file(reference_path, tmp_path, make, words):
    path = tmp_path / "broken.lane.json"
    path.write_bytes(make(reference_path.read_text(encoding="utf-8")))
    error = load_error(path)
    assert_one_line_naming(error, path, error.field)
    assert words in str(error)


def test_truncated_json_names_the_line_and_column(reference_path, tmp_path):
    path = tmp_path / "cut.lane.json"
    path.write_text(reference_path.read_text(encoding="utf-8")[:300], encoding="utf-8")
    error = load_error(path)
    assert error.field is not None and error.field.startswith("line ")
    assert "column" in error.field


def test_utf8_with_a_byte_order_mark_loads(reference_path, tmp_path):
    path = tmp_path / "bom.lane.json"
    path.write_bytes(b"\xef\xbb\xbf" + reference_path.read_bytes())
    assert load_process(path) == load_process(reference_path)


def test_fifty_megabytes_of_junk(tmp_path):
    path = tmp_path / "junk.lane.json"
    path.write_bytes(os.urandom(50 * 1024 * 1024))
    error = load_error(path)
    assert_one_line_naming(error, path, None)
    assert "MB" in str(error)


def test_fifty_megabytes_of_junk_as_bytes():
    with pytest.raises(ProcessFileError, match="MB"):
        loads(os.urandom(1024) * 51200, path="junk")


def test_a_megabyte_of_junk(tmp_path):
    path = tmp_path / "junk.lane.json"
    path.write_bytes(bytes(range(256)) * 4096)
    assert_one_line_naming(load_error(path), path, None)


def test_missing_file(tmp_path):
    path = tmp_path / "nowhere.lane.json"
    error = load_error(path)
    assert_one_line_naming(error, path, None)
    assert "no such file" in str(error)


def test_folder_instead_of_a_file(tmp_path):
    error = load_error(tmp_path)
    assert "folder" in str(error)


def test_error_message_parts(reference_path, tmp_path):
    path = write_json(tmp_path / "p.lane.json",
                      broken(reference_path, lambda d: d["nodes"][1].update(duration="2hrs")))
    error = load_error(path)
    assert (error.path, error.field) == (str(path), "nodes[1].duration")
    assert error.message.startswith("unknown time unit")


# --- the command line ------------------------------------------------------------------------


def run_cli(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def test_validate_reference_funnel_exits_0(capsys, reference_path):
    code, out, err = run_cli(capsys, "validate", str(reference_path))
    assert code == 0
    assert "valid, no problems" in out
    assert err == ""


@pytest.mark.parametrize("name", TEMPLATES)
def test_validate_template_exits_0(capsys, name):
    code, out, err = run_cli(capsys, "validate", str(_template(name)))
    assert (code, err) == (0, "")
    assert ": error: " not in out


def test_validate_with_errors_exits_1_naming_the_node(capsys, reference_path, tmp_path):
    path = write_json(tmp_path / "p.lane.json",
                      broken(reference_path, lambda d: d["nodes"][7].pop("duration")))
    code, out, err = run_cli(capsys, "validate", str(path))
    assert code == 1
    assert err == ""
    lines = out.splitlines()
    assert any(line.startswith(f"{path}: error: node first_call:") for line in lines)
    assert "nodes[7].duration" in out
    assert lines[-1] == f"{path}: 1 error(s), 0 warning(s)"


def test_validate_with_only_warnings_exits_0(capsys, reference_path, tmp_path):
    path = write_json(tmp_path / "p.lane.json",
                      broken(reference_path, lambda d: d["nodes"][0].pop("arrivals")))
    code, out, _ = run_cli(capsys, "validate", str(path))
    assert code == 0
    assert "warning: node inbound:" in out


def test_validate_with_unknown_reference_exits_1_naming_the_edge(capsys, reference_path,
                                                                 tmp_path):
    path = write_json(tmp_path / "p.lane.json",
                      broken(reference_path, lambda d: d["edges"][0].update(to="enrichh")))
    code, out, _ = run_cli(capsys, "validate", str(path))
    assert code == 1
    assert "edge inbound -> enrichh: unknown node 'enrichh' (edges[0].to)" in out


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["edges"][0].update(to="enrichh"), "edges[0].to"),
        (lambda d: d["nodes"][1].update(lane="sales"), "nodes[1].lane"),
        (lambda d: d.update(slas=[{"id": "s", "from": "is_mql", "to": "frist_call",
                                   "within": "4h"}]), "slas[0].to"),
    ],
    ids=["edge", "lane", "sla"],
)
def test_simulate_with_unknown_reference_exits_2_naming_file_and_field(
    capsys, reference_path, tmp_path, change, field
):
    path = write_json(tmp_path / "p.lane.json", broken(reference_path, change))
    code, out, err = run_cli(capsys, "simulate", str(path), "--replications", "1",
                             "--horizon", "1d")
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1
    assert err.startswith(f"{path}: {field}: ")
    assert "Traceback" not in err


BAD_INPUT = [
    ("missing", lambda tmp, ref: tmp / "nowhere.lane.json"),
    ("truncated", lambda tmp, ref: _write(tmp / "t.lane.json", ref.read_bytes()[:500])),
    ("wrong-type", lambda tmp, ref: write_json(
        tmp / "w.lane.json", broken(ref, lambda d: d["lanes"][0].update(staff="eight")))),
    ("unknown-kind", lambda tmp, ref: write_json(
        tmp / "k.lane.json", broken(ref, lambda d: d["nodes"][2].update(kind="gateway")))),
    ("array", lambda tmp, ref: _write(tmp / "a.lane.json", b"[]")),
    ("not-utf8", lambda tmp, ref: _write(tmp / "u.lane.json", b'{"name": "\xff"}')),
    ("nan", lambda tmp, ref: _write(tmp / "n.lane.json", b'{"version": NaN}')),
    ("junk", lambda tmp, ref: _write(tmp / "j.lane.json", os.urandom(50 * 1024 * 1024))),
]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize("make", [c[1] for c in BAD_INPUT], ids=[c[0] for c in BAD_INPUT])
def test_validate_bad_input_exits_2_with_one_line(capsys, reference_path, tmp_path, make):
    path = make(tmp_path, reference_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    code, out, err = run_cli(capsys, "validate", str(path))
    assert code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.endswith("\n")
    assert err.startswith(f"{path}")
    assert "Traceback" not in err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # wrote nothing


def test_wrong_type_message_names_file_and_field(capsys, reference_path, tmp_path):
    path = write_json(tmp_path / "w.lane.json",
                      broken(reference_path, lambda d: d["lanes"][0].update(staff="eight")))
    _, _, err = run_cli(capsys, "validate", str(path))
    assert err == f"{path}: lanes[0].staff: expected a whole number, got 'eight'\n"


def test_usage_errors_exit_2_with_one_line(capsys):
    code, _, err = run_cli(capsys, "validate")
    assert code == 2
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "FILE" in err or "file" in err


def test_opening_a_missing_file_exits_2(capsys, tmp_path):
    code, _, err = run_cli(capsys, str(tmp_path / "nope.lane.json"))
    assert code == 2
    assert err.count("\n") == 1 and "no such file" in err


def test_info_prints_a_summary(capsys, reference_path):
    code, out, _ = run_cli(capsys, "info", str(reference_path))
    assert code == 0
    assert "Reference funnel (benchmark)" in out
    assert "Inside Sales" in out
    assert "no problems" in out


def test_info_on_a_process_with_a_dangling_lane_does_not_crash(capsys, reference_path,
                                                               tmp_path):
    path = write_json(tmp_path / "p.lane.json",
                      broken(reference_path, lambda d: d["nodes"][1].update(lane="gone")))
    code, out, err = run_cli(capsys, "info", str(path))
    assert code == 0
    assert "lane 'gone' is missing" in out
    assert "Traceback" not in out + err


@pytest.mark.parametrize(
    ("kind", "code"),
    [("clean", 0), ("problems", 1), ("broken", 2)],
)
def test_real_exit_codes_of_the_command(reference_path, tmp_path, kind, code):
    if kind == "clean":
        path = reference_path
    elif kind == "problems":
        path = write_json(tmp_path / "p.lane.json",
                          broken(reference_path, lambda d: d["nodes"][7].pop("duration")))
    else:
        path = _write(tmp_path / "b.lane.json", b'{"format": "laneforge/process", "vers')
    result = subprocess.run(
        [sys.executable, "-m", "laneforge", "validate", str(path)],
        capture_output=True, text=True, timeout=60, check=False,
        env={**os.environ, "QT_QPA_PLATFORM": "offscreen"},
    )
    assert result.returncode == code, result.stderr
    if kind == "broken":
        assert result.stdout == ""
        assert result.stderr.count("\n") == 1
        assert result.stderr.startswith(f"{path}: line 1 column")
        assert "Traceback" not in result.stderr
    else:
        assert result.stderr == ""
