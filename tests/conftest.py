"""Shared fixtures: Qt offscreen for GUI tests, paths to templates and the reference funnel."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

TESTS = Path(__file__).resolve().parent
REPO = TESTS.parent
DATA = TESTS / "data"
REFERENCE_FUNNEL = DATA / "reference-funnel.lane.json"
SHARED_REFERENCE = REPO.parent / "shared" / "bench" / "reference-funnel.lane.json"


def template_paths() -> list[Path]:
    return sorted((REPO / "processes").glob("*.lane.json"))


@pytest.fixture
def reference_path() -> Path:
    return REFERENCE_FUNNEL


@pytest.fixture
def reference_process():
    from laneforge.io import load_process

    return load_process(REFERENCE_FUNNEL)


@pytest.fixture(autouse=True)
def _main_thread_collection(request):
    """GUI tests collect Python garbage on the GUI thread, as the app does (main_thread_gc):
    a background run must never free a Qt object."""
    if "gui" not in request.node.path.parts:
        yield None
        return
    import gc

    from laneforge.gui.main_thread_gc import MainThreadCollector

    qapp = request.getfixturevalue("qapp")
    collector = MainThreadCollector(qapp)
    yield collector
    collector.stop()
    collector.deleteLater()
    gc.collect()  # here, on the GUI thread, what the test left behind
