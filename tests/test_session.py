"""The open document's use cases, written once for the app and the command line."""

from __future__ import annotations

import json

import pytest

from laneforge.app.session import Session, import_bpmn_process, open_process
from laneforge.bundled import template_path
from laneforge.io import ProcessFileError
from laneforge.model.geometry import layout_diagram


def test_a_file_without_positions_opens_laid_out_without_overlaps(tmp_path):
    data = json.loads(template_path().read_text())
    for node in data["nodes"]:
        node.pop("pos", None)
    path = tmp_path / "no-positions.lane.json"
    path.write_text(json.dumps(data))
    process = open_process(path)
    assert all(node.pos is not None for node in process.nodes)
    boxes = [b.shape for b in layout_diagram(process).nodes.values()]
    for i, a in enumerate(boxes):
        for b in boxes[i + 1:]:
            assert a.right <= b.x or b.right <= a.x or a.bottom <= b.y or b.bottom <= a.y


def test_a_file_with_positions_keeps_them():
    before = [node.pos for node in open_process(template_path()).nodes]
    assert before == [node.pos for node in Session.open(template_path()).process.nodes]
    data = json.loads(template_path().read_text())
    assert [list(p) for p in before] == [n["pos"] for n in data["nodes"]]


def test_a_session_saves_to_its_path_and_forgets_it_was_dirty(tmp_path):
    session = Session.open(template_path())
    session.dirty = True
    with pytest.raises(ValueError):
        Session(session.process).save()
    target = session.save(tmp_path / "copy.lane.json")
    assert session.path == target.resolve() and not session.dirty
    assert open_process(target) == session.process


def test_bad_files_raise_the_files_error(tmp_path):
    broken = tmp_path / "broken.lane.json"
    broken.write_text("{")
    with pytest.raises(ProcessFileError, match=r"broken\.lane\.json"):
        open_process(broken)
    with pytest.raises(ProcessFileError):
        import_bpmn_process(broken)


@pytest.mark.parametrize("names, every, expected", [
    (None, True, [None, "Hire 2 SDRs", "Double webinars"]),
    (None, False, [None]),
    (["Hire 2 SDRs"], True, [None, "Hire 2 SDRs"]),
    (["Hire 2 SDRs"], False, ["Hire 2 SDRs"]),
    (["Hire 2 SDRs", "Double webinars"], False, [None, "Hire 2 SDRs", "Double webinars"]),
    (["baseline", "Hire 2 SDRs"], True, [None, "Hire 2 SDRs"]),
    (["Hire 2 SDRs", "Base"], False, ["Hire 2 SDRs", None]),
])
def test_the_runs_a_list_of_names_asks_for(names, every, expected):
    from laneforge.app.session import runs_for
    from laneforge.io import process_from_data

    data = json.loads(template_path().read_text())
    data["scenarios"] = [{"name": "Hire 2 SDRs", "changes": {"lanes.inside_sales.staff": 8}},
                         {"name": "Double webinars", "changes": {}}]
    assert runs_for(process_from_data(data), names, every_scenario=every) == expected


def test_an_unknown_scenario_is_refused_before_anything_runs():
    from laneforge.app.session import runs_for
    from laneforge.model import ScenarioError

    with pytest.raises(ScenarioError, match="Nope"):
        runs_for(open_process(template_path()), ["Nope"], every_scenario=True)
