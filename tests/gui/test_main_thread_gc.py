"""Garbage made on a background thread is collected on the GUI thread, never on the worker."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject


def test_collection_is_off_and_the_timer_collects_what_is_due(_main_thread_collection):
    collector = _main_thread_collection
    assert not gc.isenabled()
    gc.collect()
    assert collector.check() is None  # nothing allocated past the threshold yet
    junk = []
    for _ in range(collector.thresholds[0] + 10):
        junk.append([])  # containers count towards generation 0
    assert collector.check() == 0
    assert gc.get_count()[0] < collector.thresholds[0]


def test_a_cycle_holding_a_qt_object_dropped_by_a_worker_is_freed_on_the_gui_thread(
        _main_thread_collection, qtbot):
    freed_on = []

    class Holder:
        def __init__(self) -> None:
            self.qt = QObject()
            self.me = self  # a cycle: only the collector frees it

    made = []

    def worker() -> None:
        holder = Holder()
        weakref.finalize(holder, lambda: freed_on.append(threading.current_thread()))
        made.append(True)
        del holder
        # past the threshold many times over: automatic collection would run here
        made.append([[] for _ in range(20 * gc.get_threshold()[0])])

    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    assert made and freed_on == []  # the worker's allocation did not collect it
    qtbot.waitUntil(lambda: bool(freed_on), timeout=5_000)
    assert freed_on == [threading.main_thread()]
