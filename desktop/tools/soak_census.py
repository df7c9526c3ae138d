"""What the soak measures: resident memory, Paint events per widget, and a census of live objects
(Python wrappers of Qt objects, widgets, graphics items, signal receivers, the reference counts of
True, False and None), and the rule that says whether a count stayed flat.
"""

from __future__ import annotations

import gc
import sys
from collections import Counter

import shiboken6
from PySide6.QtCore import SIGNAL, QEvent, QObject
from PySide6.QtWidgets import QApplication, QGraphicsView

#: "Flat": a count at the end is at most its after-warm-up value plus this many objects, sampled in
#: the same canonical state (just after an idle reset, after gc.collect()). A leak of one object
#: per idle reset passes this only in runs with fewer resets than the slack.
FLAT_SLACK = 8


def _pyqtgraph_cached_points() -> set[int]:
    """Ids of the ``Point`` wrappers held by pyqtgraph's class-wide pixel-vector cache: an LRU of
    100 view transforms (two Points each), so it fills up as the map is zoomed and resized and then
    stops. They are counted apart so that a filling, bounded cache is not taken for a leak."""
    try:
        from pyqtgraph.graphicsItems.GraphicsItem import GraphicsItem

        return {id(p) for pv in GraphicsItem._pixelVectorGlobalCache.values() if pv for p in pv}
    except (ImportError, AttributeError):
        return set()


#: Not judged as flat: Python's own caches make the gc count wander by hundreds without a leak, the
#: pyqtgraph cache is bounded (see ``_pyqtgraph_cached_points``), and the counts of the singletons
#: are judged apart (they must not fall; None's rises by design of the pinned PySide6).
NOT_JUDGED = ("py_gc_objects", "pyqtgraph_pixel_vector_cache", "refcount_true", "refcount_false", "refcount_none")
REFCOUNTS = ("refcount_true", "refcount_false", "refcount_none")
#: Caches come and go holding True or None, so a few hundred either way mean nothing; the bug lost
#: one reference per emit, thousands a second.
REFCOUNT_SLACK = 200


def flat(before: dict, after: dict, slack: int = FLAT_SLACK) -> dict[str, bool]:
    """Per count: did it stay within ``slack`` of its after-warm-up value?"""
    return {k: after[k] <= before[k] + slack for k in before if k not in NOT_JUDGED}


class PaintCounter(QObject):
    """Counts the Paint events each watched widget really receives (keyed by the C++ object, since
    Python wrappers of Qt-owned widgets come and go)."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.counts: dict[int, int] = {}

    def watch(self, widget) -> None:
        self.counts[shiboken6.getCppPointer(widget)[0]] = 0
        widget.installEventFilter(self)

    def count(self, widget) -> int:
        return self.counts[shiboken6.getCppPointer(widget)[0]]

    def eventFilter(self, obj, ev) -> bool:
        if ev.type() == QEvent.Type.Paint:
            key = shiboken6.getCppPointer(obj)[0]
            if key in self.counts:
                self.counts[key] += 1
        return False


def census(win, controller, shell) -> tuple[dict, Counter]:
    """Counts of live objects, and the Python wrappers by type (to name what grew)."""
    gc.collect()
    wrappers = qobjects = py_objects = 0
    by_type: Counter = Counter()
    cached = _pyqtgraph_cached_points()
    for o in gc.get_objects():
        py_objects += 1
        if isinstance(o, shiboken6.Shiboken.Object) and id(o) not in cached:
            wrappers += 1
            by_type[type(o).__name__] += 1
            if isinstance(o, QObject):
                qobjects += 1
    views = [v for v in win.findChildren(QGraphicsView) if v.scene() is not None]
    c = controller
    out = {
        "py_qobject_wrappers": qobjects,
        "py_shiboken_wrappers": wrappers,
        "py_gc_objects": py_objects,
        "pyqtgraph_pixel_vector_cache": len(cached),
        "qt_widgets": len(QApplication.allWidgets()),
        "qt_window_children": len(win.findChildren(QObject)),
        "graphics_items": sum(len(v.scene().items()) for v in views),
        "body_scene_items": len(win.body.scene().items()),
        # PySide6 6.12.0 on Python 3.11 dropped a reference to True per emit (see
        # tests/desktop/test_refcount_canary.py): these must never fall.
        "refcount_true": sys.getrefcount(True),
        "refcount_false": sys.getrefcount(False),
        "refcount_none": sys.getrefcount(None),
        "receivers": sum(
            obj.receivers(SIGNAL(sig))
            for obj, sig in (
                (c, "snapshot_ready(PyObject)"),
                (c, "playing_changed(bool)"),
                (c, "reset_done()"),
                (c, "parameter_changed(QString,double)"),
                (shell.idle, "timed_out()"),
                (shell.attract, "step_changed(int,int,QString)"),
            )
        ),
    }
    return out, by_type
