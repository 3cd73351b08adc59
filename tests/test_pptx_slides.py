"""PowerPoint slides a presenter can use: no text under 9 pt, the process split by phase (or
by node columns) when it does not fit one slide, a title slide, readable charts."""

from __future__ import annotations

import io
import itertools
from datetime import date

import pytest
from pptx import Presentation
from pptx.enum.shapes import MSO_SHAPE_TYPE
from pptx.oxml.ns import qn
from pptx.util import Pt

from laneforge import load_process, simulate
from laneforge.model import Process
from laneforge.model.geometry import layout_diagram
from laneforge.render.pptx_export import SLIDE_HEIGHT, SLIDE_WIDTH, export_pptx, first_sentence
from laneforge.render.pptx_results import chart_figures, smallest_text
from laneforge.render.pptx_split import node_columns, phase_columns, plan_runs

from conftest import REFERENCE_FUNNEL, REPO, template_paths

TEMPLATES = template_paths()
IDS = [p.name.removesuffix(".lane.json") for p in TEMPLATES]
NINE = Pt(9)
PHASES = ["Lead Generation", "Lead Management", "Opportunity Management", "Sales Cycle",
          "Reports"]


@pytest.fixture(scope="module")
def results_cache() -> dict[str, object]:
    return {}


def _results(path, cache):
    if path.name not in cache:
        cache[path.name] = simulate(load_process(path), replications=2, horizon="40d",
                                    warmup="5d")
    return cache[path.name]


def _frames(shape):
    if shape.shape_type == MSO_SHAPE_TYPE.GROUP:
        for child in shape.shapes:
            yield from _frames(child)
    elif shape.has_text_frame:
        yield shape.text_frame
    elif getattr(shape, "has_table", False) and shape.has_table:
        for row in shape.table.rows:
            for cell in row.cells:
                yield cell.text_frame


def _sizes_in_master(deck) -> list[int]:
    """Every default size (hundredths of a point) in the slide master's text styles: what a
    run without its own size falls back to."""
    master = deck.slide_masters[0]._element
    return [int(el.get("sz")) for el in master.iter() if el.get("sz") is not None
            and el.tag in (qn("a:defRPr"), qn("a:rPr"), qn("a:endParaRPr"))]


def assert_readable(deck) -> None:
    """Every run, paragraph end and text frame default on every slide is 9 pt or more, and
    every shape is on its slide."""
    assert min(_sizes_in_master(deck)) >= 900
    for number, slide in enumerate(deck.slides, start=1):
        for shape in slide.shapes:
            assert shape.left >= 0 and shape.left + shape.width <= SLIDE_WIDTH, (number,
                                                                                shape.name)
            assert shape.top >= 0 and shape.top + shape.height <= SLIDE_HEIGHT, (number,
                                                                                shape.name)
            for frame in _frames(shape):
                for paragraph in frame.paragraphs:
                    for run in paragraph.runs:
                        if not run.text.strip():
                            continue
                        assert run.font.size is not None, (number, shape.name, run.text)
                        assert run.font.size >= NINE, (number, shape.name, run.text,
                                                       run.font.size.pt)
                    for element in paragraph._p.iter(qn("a:endParaRPr"), qn("a:defRPr")):
                        if element.get("sz") is not None:
                            assert int(element.get("sz")) >= 900, (number, shape.name)
                for element in frame._txBody.iter(qn("a:defRPr")):
                    if element.get("sz") is not None:
                        assert int(element.get("sz")) >= 900, (number, shape.name)


@pytest.mark.parametrize("path", [*TEMPLATES, REFERENCE_FUNNEL],
                         ids=[*IDS, "reference-funnel"])
def test_no_text_under_nine_points_on_any_slide(path, tmp_path, results_cache):
    process = load_process(path)
    assert_readable(Presentation(str(export_pptx(process, tmp_path / "plain.pptx"))))
    results = _results(path, results_cache)
    deck = Presentation(str(export_pptx(process, tmp_path / "run.pptx", results=results)))
    assert_readable(deck)


def test_chart_text_is_nine_points_or_more_on_the_slide(tmp_path, results_cache):
    path = TEMPLATES[0]
    results = _results(path, results_cache)
    deck = Presentation(str(export_pptx(load_process(path), tmp_path / "run.pptx",
                                        results=results)))
    pictures = [s for s in deck.slides[-1].shapes if s.shape_type == MSO_SHAPE_TYPE.PICTURE]
    makers = dict(chart_figures(results))
    assert len(pictures) == len(makers)
    from PIL import Image

    for picture in pictures:
        name = picture._element.nvPicPr.cNvPr.get("descr")
        smallest = smallest_text(makers[name]())  # the figure's own point sizes
        pixels = Image.open(io.BytesIO(picture.image.blob)).width
        figure_inches = pixels / 200  # the slides' charts are rendered at 200 dpi
        assert smallest * picture.width.inches / figure_inches >= 9.0, name


def test_the_first_slide_names_the_process_with_its_first_sentence_and_the_date(tmp_path):
    process = load_process(TEMPLATES[0])
    deck = Presentation(str(export_pptx(process, tmp_path / "a.pptx")))
    opening = deck.slides[0]
    assert opening.shapes.title.text == process.name
    texts = [s.text_frame.text for s in opening.placeholders if s.placeholder_format.idx == 1]
    today = date.today()
    assert first_sentence(process.description) in texts[0]
    assert f"{today.day} {today:%B %Y}" in texts[0]
    assert not any(s.name.startswith("Lane ") for s in opening.shapes)


def test_first_sentence():
    assert first_sentence("Leads arrive. Then they wait.") == "Leads arrive."
    assert first_sentence("No full stop") == "No full stop"
    assert first_sentence("Score 3.5 or more qualifies! Then...") == \
        "Score 3.5 or more qualifies!"
    assert first_sentence("") == ""


def stretched(path=REPO / "processes" / "lead-lifecycle.lane.json", factor: float = 3.0
              ) -> dict:
    """A template drawn ``factor`` times as wide: too wide for one slide at 9 pt."""
    data = load_process(path).model_dump(mode="json", by_alias=True, exclude_none=True)
    for node in data["nodes"]:
        node["pos"] = [node["pos"][0] * factor, node["pos"][1]]
    for edge in data["edges"]:
        edge.pop("bends", None)
    return data


def with_phases(path=REPO / "processes" / "lead-lifecycle.lane.json") -> Process:
    """A wide template with five phases, its nodes given to them by where they are drawn."""
    data = stretched(path)
    xs = sorted(node["pos"][0] for node in data["nodes"])
    low, high = xs[0], xs[-1] + 1
    data["phases"] = [{"id": f"p{i}", "name": name} for i, name in enumerate(PHASES)]
    for node in data["nodes"]:
        node["phase"] = f"p{int((node['pos'][0] - low) / (high - low) * len(PHASES))}"
    return Process.model_validate(data)


def test_a_process_with_phases_is_split_by_runs_of_phases(tmp_path):
    process = with_phases()
    from laneforge.model import errors, validate

    assert not errors(validate(process))
    deck = Presentation(str(export_pptx(process, tmp_path / "phases.pptx")))
    assert_readable(deck)
    slides = [s for s in list(deck.slides)[1:]]
    assert len(slides) >= 2
    shown: list[str] = []
    for slide in slides:
        names = {s.name: s for s in slide.shapes}
        phases = [n.removeprefix("Phase ") for n in names if n.startswith("Phase ")
                  and not n.startswith("Phase line ")]
        assert phases, slide.shapes.title.text
        # a run of consecutive phases, named in the title, with every lane's header
        indexes = [int(p[1:]) for p in phases]
        assert indexes == list(range(indexes[0], indexes[-1] + 1))
        shown += phases
        title = slide.shapes.title.text
        assert PHASES[indexes[0]] in title and PHASES[indexes[-1]] in title
        for phase_id in phases:
            assert names[f"Phase {phase_id}"].text_frame.text == PHASES[int(phase_id[1:])]
        for lane in process.lanes:
            assert f"Lane header {lane.id}" in names
        # the slide's nodes are the nodes of its phases
        nodes = {n.removeprefix("Node ") for n in names if n.startswith("Node ")}
        assert nodes == {n.id for n in process.nodes if n.phase in phases}
    assert shown == [f"p{i}" for i in range(len(PHASES))]  # each phase once, in order
    markers = [s.text_frame.text for slide in slides for s in slide.shapes
               if s.name.startswith("Off-page ")]
    assert any("(next slide)" in text and text.startswith("→") for text in markers)
    assert any("from " in text and "(previous slide)" in text for text in markers)


def test_phase_columns_follow_the_phase_order_and_cover_the_lanes():
    process = with_phases()
    diagram = layout_diagram(process)
    columns = phase_columns(process, diagram)
    assert [c.label for c in columns] == PHASES
    assert columns[0].left <= 0 and columns[-1].right >= diagram.width
    for first, second in itertools.pairwise(columns):
        assert first.right == second.left
    for node in process.nodes:
        box = diagram.nodes[node.id]
        column = next(c for c in columns if c.phase == node.phase)
        assert column.left <= box.shape.left and box.shape.right <= column.right


def test_without_phases_runs_are_cut_between_node_columns():
    data = stretched(TEMPLATES[1])
    data.pop("phases", None)
    for node in data["nodes"]:
        node.pop("phase", None)
    process = Process.model_validate(data)
    diagram = layout_diagram(process)
    columns = node_columns(diagram)
    centres = sorted({round(b.cx) for b in diagram.nodes.values()})
    assert len(columns) == len(centres)
    runs = plan_runs(process, diagram, 1200.0)
    assert len(runs) >= 2
    assert sum(len(r.nodes) for r in runs) == len(process.nodes)
    widths = [r.width for r in runs]
    assert max(widths) <= 1200.0
    assert max(widths) - min(widths) <= max(c.width for c in columns) * 1.5  # balanced
    for run in runs:
        for node_id in run.nodes:
            box = diagram.nodes[node_id]
            assert run.left < box.cx < run.right
            assert not any(run.left < c.left < box.cx < c.right < run.right
                           for c in columns if c not in run.columns)


def test_a_small_process_stays_on_one_slide(tmp_path):
    process = Process.model_validate({
        "name": "Small", "lanes": [{"id": "a", "staff": 1}],
        "nodes": [
            {"id": "s", "kind": "source", "lane": "a", "name": "In", "arrivals": {"rate": "1/h"},
             "pos": [60, 80]},
            {"id": "t", "kind": "task", "lane": "a", "name": "Call the lead", "pos": [250, 80],
             "duration": "1h"},
            {"id": "e", "kind": "end", "lane": "a", "name": "Done", "outcome": "won",
             "pos": [440, 80]}],
        "edges": [{"from": "s", "to": "t"}, {"from": "t", "to": "e"}],
    })
    deck = Presentation(str(export_pptx(process, tmp_path / "small.pptx")))
    assert len(deck.slides) == 2
    assert deck.slides[1].shapes.title.text == "Small"
    assert not any(s.name.startswith("Off-page ") for s in deck.slides[1].shapes)
    assert_readable(deck)
