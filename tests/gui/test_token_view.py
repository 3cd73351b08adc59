"""The token view: counters equal the replay's state, dots ride the edges, the model stays."""

from __future__ import annotations

import math
import time
from itertools import pairwise
from types import SimpleNamespace

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtTest import QTest

from laneforge.app.replay import record_replay
from laneforge.gui.canvas import DiagramScene, DiagramView
from laneforge.gui.commands import MoveNodesCommand
from laneforge.gui.document import Document
from laneforge.gui.simulation.background import BackgroundRun
from laneforge.gui.simulation.token_overlay import MAX_DOTS, TokenOverlayItem, badge_text
from laneforge.gui.simulation.token_view import TokenPlayer
from laneforge.io import load_process, process_from_data

from conftest import REPO

pytestmark = pytest.mark.gui


def small_process():
    """A lead every hour; one person works 90 min on each; a 2 h pause in a second lane."""
    return process_from_data({
        "format": "laneforge/process", "version": 1, "name": "small",
        "simulation": {"horizon": "10h", "replications": 1, "seed": 1},
        "lanes": [{"id": "team", "name": "Team", "staff": 1},
                  {"id": "later", "name": "Later", "staff": None}],
        "nodes": [
            {"id": "in", "kind": "source", "lane": "team", "arrivals": {"interarrival": "1h"},
             "pos": [60, 80]},
            {"id": "work", "kind": "task", "lane": "team", "name": "Work", "duration": "90m",
             "pos": [260, 80]},
            {"id": "cool", "kind": "delay", "lane": "later", "duration": "2h", "pos": [460, 70]},
            {"id": "out", "kind": "end", "lane": "later", "outcome": "done", "pos": [660, 70]},
        ],
        "edges": [{"from": "in", "to": "work"}, {"from": "work", "to": "cool"},
                  {"from": "cool", "to": "out"}],
    })


@pytest.fixture
def tk(qtbot):
    document = Document(small_process())
    scene = DiagramScene(document)
    view = DiagramView(scene)
    scene.setParent(view)
    player = TokenPlayer(scene)
    qtbot.addWidget(view)
    qtbot.addWidget(player)
    view.resize(900, 500)
    view.show()
    player.show()
    qtbot.waitExposed(view)
    view.horizontalScrollBar().setValue(view.horizontalScrollBar().minimum())  # headers in view
    replay = record_replay(document.process)
    player.load(replay)
    return SimpleNamespace(document=document, scene=scene, view=view, player=player,
                           replay=replay)


def on_polyline(points, x, y, tolerance=1e-6):
    for (x1, y1), (x2, y2) in pairwise(points):
        length = math.hypot(x2 - x1, y2 - y1)
        if length == 0:
            continue
        k = ((x - x1) * (x2 - x1) + (y - y1) * (y2 - y1)) / length**2
        k = min(max(k, 0.0), 1.0)
        if math.hypot(x1 + k * (x2 - x1) - x, y1 + k * (y2 - y1) - y) <= tolerance:
            return True
    return False


def test_the_overlay_sits_above_the_nodes_and_takes_no_input(tk):
    document, scene, view, player = tk.document, tk.scene, tk.view, tk.player
    overlay = player.overlay
    assert isinstance(overlay, TokenOverlayItem) and overlay.scene() is scene
    assert overlay.zValue() > max(item.zValue() for item in scene.node_items.values())
    assert overlay.acceptedMouseButtons() == Qt.MouseButton.NoButton
    assert not overlay.flags() & overlay.GraphicsItemFlag.ItemIsSelectable
    assert overlay.shape().isEmpty()
    # a click on a node under the overlay still selects the node
    box = scene.diagram.nodes["work"]
    QTest.mouseClick(view.viewport(), Qt.MouseButton.LeftButton,
                     Qt.KeyboardModifier.NoModifier, view.mapFromScene(QPointF(box.cx, box.cy)))
    assert scene.selection().nodes == ("work",)
    assert document.undo_stack.count() == 0


@pytest.mark.parametrize(("t", "work", "cool", "long"), [
    (1.0, "0 waiting · 1 busy", None, False),
    (2.0, "1 waiting · 1 busy", None, False),
    (6.0, "2 waiting · 1 busy", "1 here", False),
    (9.5, "3 waiting · 1 busy", "1 here", True),  # 3 wait for 1 person: a long queue
    (14.5, None, "2 here", False),
])
def test_counters_show_the_state_at_the_seeked_time(tk, t, work, cool, long):
    player, replay = tk.player, tk.replay
    player.seek(t)
    badges = player.overlay.badges
    state = replay.state_at(t)
    for node in replay.nodes:
        if node.kind in ("task", "delay") and any(state[node.id]):
            assert badges[node.id].text == badge_text(node.kind, state[node.id])
            assert badges[node.id].state == state[node.id]
        else:
            assert node.id not in badges
    assert (badges["work"].text if "work" in badges else None) == work
    assert (badges["cool"].text if "cool" in badges else None) == cool
    assert ("work" in badges and badges["work"].long) == long
    leads = replay.in_process_at(t)
    assert player.leads_label.text().startswith(f"{leads} lead")
    when = replay.datetime_at(t)
    assert f"{when:%H:%M}" in player.date_label.text()
    assert player.slider.value() == round(t * 60)


def test_counters_do_not_cover_node_names(tk):
    scene, player = tk.scene, tk.player
    player.seek(6.0)
    for node_id, badge in player.overlay.badges.items():
        box = scene.diagram.nodes[node_id]
        rect = badge.rect
        assert rect.top() >= box.bounds.bottom  # below the outline and the name under it


def test_the_slider_seeks(tk):
    player = tk.player
    player.slider.setValue(6 * 60)
    assert player.time == pytest.approx(6.0)
    assert player.overlay.badges["work"].text == "2 waiting · 1 busy"


def test_playing_advances_by_speed_times_elapsed(tk, qtbot):
    player = tk.player
    player.set_speed(4.0)
    player.seek(1.0)
    # the player's own clock runs from inside play() to inside pause(): between the time
    # from play's return to pause's call and the time from before play to after pause
    before_play = time.monotonic()
    player.play()
    after_play = time.monotonic()
    assert player.playing
    qtbot.wait(600)
    before_pause = time.monotonic()
    player.pause()
    after_pause = time.monotonic()
    assert not player.playing
    played = player.time - 1.0
    slack = 0.001  # a frame's clock restarts a few microseconds after it is read
    assert 4.0 * (before_pause - after_play - slack) <= played
    assert played <= 4.0 * (after_pause - before_play + slack)
    assert player.overlay.time == player.time
    assert player.slider.value() == round(player.time * 60)


def test_playing_stops_at_the_end(tk, qtbot):
    player, replay = tk.player, tk.replay
    player.set_speed(24.0)
    player.seek(replay.duration - 1.0)
    player.play()
    qtbot.waitUntil(lambda: not player.playing, timeout=3000)
    assert player.time == replay.duration
    assert player.overlay.badges == {}
    assert player.leads_label.text() == "0 leads in process"


def test_the_speed_box_and_set_speed_agree(tk):
    player = tk.player
    player.speed_box.setCurrentIndex(player.speed_box.findData(168.0))
    assert player.speed == 168.0
    player.set_speed(24.0)
    assert player.speed_box.currentData() == 24.0
    player.set_speed(2.5)
    assert player.speed_box.currentIndex() == -1
    with pytest.raises(ValueError):
        player.set_speed(0)


def test_dots_ride_along_the_edge_routes(tk):
    scene, player, replay = tk.scene, tk.player, tk.replay
    player.set_speed(1.0)  # a dot takes 0.6 h of simulated time along an edge
    player.seek(1.3)  # lead 1 left the source at 1.0: half way to "Work"
    (dot,) = player.overlay.dots
    assert dot.key == ("in", "work") and dot.lead == 1
    points = scene.diagram.edges[("in", "work")].points
    (x1, y1), (x2, y2) = points[0], points[-1]
    assert (dot.x, dot.y) == pytest.approx(((x1 + x2) / 2, (y1 + y2) / 2))
    assert dot.color == scene.diagram.nodes["work"].color
    seen = set()
    for step in range(200):
        player.seek(step * replay.duration / 200)
        for dot in player.overlay.dots:
            assert on_polyline(scene.diagram.edges[dot.key].points, dot.x, dot.y)
            seen.add(dot.key)
    assert seen == {("in", "work"), ("work", "cool"), ("cool", "out")}
    assert len(scene.diagram.edges[("work", "cool")].points) >= 3  # it turns between lanes


def test_dots_follow_an_edited_layout(tk):
    document, scene, player = tk.document, tk.scene, tk.player
    player.set_speed(1.0)
    document.apply(MoveNodesCommand(document, {"work": ((300.0, 110.0), "team")}))
    player.seek(1.3)
    (dot,) = player.overlay.dots
    assert on_polyline(scene.diagram.edges[("in", "work")].points, dot.x, dot.y)
    assert player.overlay.badges["work"].rect.center().x() == pytest.approx(300.0)


def test_stop_removes_the_overlay_and_leaves_the_model_alone(tk, qtbot):
    document, scene, view, player, replay = tk.document, tk.scene, tk.view, tk.player, tk.replay
    before = document.process.to_data()
    player.set_speed(24.0)
    player.play()
    qtbot.wait(150)
    player.seek(6.0)
    view.grab()  # paint it at least once
    player.stop()
    assert player.overlay is None and not player.playing
    assert not any(isinstance(item, TokenOverlayItem) for item in scene.items())
    assert document.process.to_data() == before
    assert document.undo_stack.count() == 0 and not document.modified
    assert not player.slider.isEnabled()
    player.load(replay)  # a player can be loaded again
    with qtbot.waitSignal(player.closed, timeout=1000):
        player.close_button.click()
    assert not any(isinstance(item, TokenOverlayItem) for item in scene.items())


def test_busy_templates_cap_the_dots(qtbot):
    document = Document(load_process(REPO / "processes" / "lead-lifecycle.lane.json"))
    scene = DiagramScene(document)
    view = DiagramView(scene)
    scene.setParent(view)
    player = TokenPlayer(scene)
    qtbot.addWidget(view)
    qtbot.addWidget(player)
    replay = record_replay(document.process, horizon="20d", seed=2)
    player.load(replay)
    player.set_speed(168.0)
    busiest = max(range(24, int(replay.horizon)), key=lambda h: replay.moves_count(h - 100, h))
    player.seek(float(busiest))
    dots = player.overlay.dots
    assert 0 < len(dots) <= MAX_DOTS
    for dot in dots:
        assert on_polyline(scene.diagram.edges[dot.key].points, dot.x, dot.y)
    state = replay.state_at(float(busiest))
    for node_id, badge in player.overlay.badges.items():
        assert badge.state == state[node_id]
    assert not view.grab().isNull()
    player.stop()


def test_a_replay_recorded_off_the_ui_thread_loads(tk, qtbot):
    run = BackgroundRun()
    process = tk.document.process
    with qtbot.waitSignal(run.finished, timeout=10000) as blocker:
        run.start(lambda progress, cancel: record_replay(process, seed=9, cancel=cancel))
    assert run.wait(5)
    replay = blocker.args[0]
    tk.player.load(replay)
    assert tk.player.overlay.replay is replay and tk.player.time == 0.0
    tk.player.seek(6.0)
    assert tk.player.overlay.badges["work"].text == "2 waiting · 1 busy"  # no randomness here
