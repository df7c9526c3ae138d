"""Organ names on the body map never overlap one another, the primary tumour's label or the map's
overlays: the worst case is placed (late stage, a macrometastasis in every organ and node site of
the body graph, so every site wants its name) in the window at 1920x1080 and 1280x800, in English
and in the longer Spanish, and in the kiosk. The names stand in columns beside the figure, each
joined to its organ by a leader; those that find no room are the smallest, counted in one
"+N more" label. The layout itself is also checked on its own (``label_layout``), on random
crowds of callouts and obstacles."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from PySide6.QtCore import QRectF
from PySide6.QtWidgets import QApplication, QWidget

from desktop.core import i18n
from desktop.tools import bench_render
from desktop.window.views import label_layout
from desktop.window.views.label_layout import Callout
from tests.desktop.test_window_layout import _close_kiosk, _kiosk
from tests.desktop.test_window_layout import _desktop as _shown_desktop

#: Names shown (of 25) in the worst case, by window size and language; the rest are counted in
#: the "+N more" label. Measured with the bundled Open Sans; a change of type size or of the
#: map's overlays moves these numbers, and this table should then be updated knowingly.
EXPECTED_SHOWN = {((1920, 1080), "en"): 25, ((1920, 1080), "es"): 25, ((1280, 800), "en"): 25, ((1280, 800), "es"): 25}


def _sites(graph) -> list[int]:
    """Every organ and node site of the body graph (where a metastasis can grow)."""
    return [c for c in range(graph.n) if graph.kind[c] in (1, 2)]


def _late_frame(graph, primary: str):
    """A late-stage frame: one macrometastasis in every site, all of different sizes (shuffled,
    so the biggest are not the first sites of the graph), and a 4 cm primary."""
    sites = np.array(_sites(graph), np.int64)
    rng = np.random.default_rng(11)
    cells = rng.permutation(np.arange(1, sites.size + 1)) * 4e8
    f = bench_render._frames(graph, bench_render.MovingPackets(graph, 40), primary)[0]
    k = sites.size
    snap = dataclasses.replace(
        f.snap,
        lesion_comp=sites,
        lesion_cells=cells.astype(np.float64),
        lesion_state=np.full(k, 2, np.int8),
        lesion_route=np.zeros(k, np.int8),
        lesion_id=np.arange(k, dtype=np.int64),
        primary_cells=3.4e10,
    )
    return dataclasses.replace(f, snap=snap, new_lesions=np.zeros(k, bool), switched_lesions=np.zeros(k, bool))


def _desktop(qtbot, size, language):
    """The window as ``seedsoil --size WxH --language L`` builds it, shown offscreen, paused."""
    controller, win = _shown_desktop(qtbot, size, language)
    controller.pause()
    QApplication.processEvents()
    return controller, win


def _overlays(body) -> list[QRectF]:
    """The widgets floating over the map (legend, buttons, microscope, card), in scene pixels."""
    vp = body.viewport()
    out = []
    for w in body.children():
        if isinstance(w, QWidget) and w is not vp and w.isVisible():
            out.append(body.mapToScene(w.geometry()).boundingRect())
    return out


def _check_worst_case(body, frame) -> tuple[int, int]:
    """Show ``frame`` and check the names; returns (names shown, count in "+N more")."""
    body.show_frame(frame)
    QApplication.processEvents()
    graph = body.graph
    labels = [lab for lab in body.site_labels if lab.isVisible()]
    more = body.more_label if body.more_label.isVisible() else None
    names = [lab for lab in labels if lab is not more]
    rects = [lab.sceneBoundingRect() for lab in labels]
    assert body.primary_label.isVisible()
    primary = body.primary_label.sceneBoundingRect()
    view = body.mapToScene(body.viewport().rect()).boundingRect()
    overlays = _overlays(body)
    for i, r in enumerate(rects):
        assert view.contains(r), (labels[i].toPlainText(), r, view)
        assert not r.intersects(primary), (labels[i].toPlainText(), r, primary)
        for j in range(i):
            assert not r.intersects(rects[j]), (labels[i].toPlainText(), labels[j].toPlainText())
        for o in overlays:
            assert not r.intersects(o), (labels[i].toPlainText(), r, o)
    # the names are those of the biggest lesions, and the count says how many more there are
    sites = _sites(graph)
    size = dict(zip(frame.snap.lesion_comp.tolist(), frame.snap.lesion_cells.tolist(), strict=True))
    ranked = sorted(sites, key=lambda c: -size[c])
    k = len(names)
    assert sorted(lab.toPlainText() for lab in names) == sorted(body.site_label_text(c) for c in ranked[:k])
    hidden = len(sites) - k
    if hidden:
        assert more is not None and more.toPlainText() == body.more_label_text(hidden)
    else:
        assert more is None
    # every name is joined to its organ: one leader per name, from the organ to the name's box
    path = body.leaders.path()
    assert sum(path.elementAt(i).isMoveTo() for i in range(path.elementCount())) == k
    # names stand beside the figure, not on it, where the map has room
    fig = body.vb.mapViewToScene(body.art.figure_rect).boundingRect()
    assert all(r.left() >= fig.right() or r.right() <= fig.left() for r in rects)
    return k, hidden


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize("size", [(1920, 1080), (1280, 800)])
def test_every_site_named_in_the_worst_case_without_overlap(qtbot, qapp, size, language):
    controller, win = _desktop(qtbot, size, language)
    try:
        body = win.body
        frame = _late_frame(body.graph, controller.scenario.primary)
        shown, hidden = _check_worst_case(body, frame)
        print(
            f"{size} {language}: {shown} names shown, +{hidden} more; "
            f"primary label {body.primary_label.toPlainText()!r}"
        )
        assert shown + hidden == len(_sites(body.graph)) == 25
        assert (shown, hidden) == (EXPECTED_SHOWN[size, language], 25 - EXPECTED_SHOWN[size, language])
        # the same frame again: the layout is not made again, nothing is repainted for it
        lay = body.label_layout
        body.show_frame(frame)
        assert body.label_layout is lay
        # a tapped organ opens the card over the map's top right: the names make way
        win._on_body_organ_clicked("organ:liver")
        QApplication.processEvents()
        assert win.card.isVisible()
        shown_card, hidden_card = _check_worst_case(body, frame)
        print(f"  with the organ card open: {shown_card} names shown, +{hidden_card} more")
        assert shown_card + hidden_card == 25 and shown_card >= 10
        win.close_card()
        QApplication.processEvents()
    finally:
        controller.pause()
        win.close()
        i18n.set_language("en")


def test_names_follow_a_resize_without_a_new_frame(qtbot, qapp):
    controller, win = _desktop(qtbot, (1920, 1080), "en")
    try:
        body = win.body
        frame = _late_frame(body.graph, controller.scenario.primary)
        _check_worst_case(body, frame)
        before = body.label_layout
        win.resize(1280, 800)
        QApplication.processEvents()
        assert body.label_layout is not before  # laid out again for the new size ...
        labels = [lab for lab in body.site_labels if lab.isVisible()]
        rects = [lab.sceneBoundingRect() for lab in labels]
        view = body.mapToScene(body.viewport().rect()).boundingRect()
        primary = body.primary_label.sceneBoundingRect()
        assert all(view.contains(r) and not r.intersects(primary) for r in rects)  # ... and still clear
        assert not any(a.intersects(b) for i, a in enumerate(rects) for b in rects[:i])
    finally:
        controller.pause()
        win.close()


def test_kiosk_names_every_site_without_overlap(qtbot, clock):  # noqa: F811
    shell = _kiosk(qtbot, clock, (1920, 1080))
    try:
        body = shell.win.body
        shell.controller.publish()
        frame = _late_frame(body.graph, shell.controller.scenario.primary)
        shown, hidden = _check_worst_case(body, frame)
        print(f"kiosk 1920x1080: {shown} names shown, +{hidden} more")
        assert shown + hidden == 25 and shown >= 20
    finally:
        _close_kiosk(shell)


# --- the layout on its own ---------------------------------------------------------------------------
def _random_case(rng, n):
    view = (0.0, 0.0, float(rng.integers(400, 1400)), float(rng.integers(300, 1000)))
    fw = view[2] * rng.uniform(0.2, 0.5)
    fx = rng.uniform(0, view[2] - fw)
    figure = (fx, 0.0, fx + fw, view[3])
    calls = [
        Callout(k, (rng.uniform(fx, fx + fw), rng.uniform(0, view[3])), float(rng.integers(30, 260)), 24.0)
        for k in range(n)
    ]
    obstacles = []
    for _ in range(rng.integers(0, 4)):
        x, y = rng.uniform(0, view[2]), rng.uniform(0, view[3])
        obstacles.append((x, y, x + rng.uniform(20, 300), y + rng.uniform(20, 200)))
    return view, figure, calls, obstacles


def test_the_layout_never_overlaps_keeps_the_biggest_and_keeps_leaders_in_order():
    rng = np.random.default_rng(5)
    for trial in range(300):
        n = int(rng.integers(1, 30))
        view, figure, calls, obstacles = _random_case(rng, n)
        lay = label_layout.layout_callouts(
            calls, view, figure, obstacles, (90.0, 24.0), gap=8.0, spacing=3.0, elbow=12.0
        )
        boxes = [p.rect for p in lay.placed] + ([lay.more.rect] if lay.more else [])
        for i, r in enumerate(boxes):
            assert view[0] <= r[0] and r[2] <= view[2] and view[1] <= r[1] and r[3] <= view[3], trial
            assert not any(label_layout.intersects(r, o) for o in obstacles), trial
            assert not any(label_layout.intersects(r, q) for q in boxes[:i]), trial
        shown = [p.key for p in lay.placed]
        assert shown == list(range(len(shown))), trial  # the biggest, in rank order
        assert len(shown) + lay.more_count == n, trial
        assert (lay.more is not None) == (lay.more_count > 0) or not boxes, trial
        for side in (label_layout.LEFT, label_layout.RIGHT):  # down a column, organs in order
            col = sorted((p for p in lay.placed if p.side == side), key=lambda p: p.rect[1])
            ys = [p.leader[0][1] for p in col]
            assert ys == sorted(ys), trial


def test_the_layout_puts_names_beside_their_organs_when_there_is_room():
    view, figure = (0.0, 0.0, 1000.0, 800.0), (350.0, 0.0, 650.0, 800.0)
    calls = [
        Callout(0, (400.0, 300.0), 80.0, 20.0),
        Callout(1, (420.0, 305.0), 80.0, 20.0),
        Callout(2, (600.0, 500.0), 80.0, 20.0),
    ]
    lay = label_layout.layout_callouts(calls, view, figure, [], (60.0, 20.0), gap=10.0, spacing=2.0, elbow=10.0)
    a, b, c = lay.placed
    assert a.side == b.side == label_layout.LEFT and c.side == label_layout.RIGHT
    assert a.rect[2] == b.rect[2] == 340.0 and c.rect[0] == 660.0  # against the figure
    assert a.rect[3] + 2.0 == pytest.approx(b.rect[1])  # stacked, centred on the two organs
    assert (a.rect[1] + b.rect[3]) / 2 == pytest.approx(302.5)
    assert c.rect[1] == pytest.approx(490.0) and lay.more is None
    # an obstacle where the name would stand: it moves to the nearest free place
    lay = label_layout.layout_callouts(
        calls[2:], view, figure, [(700.0, 480.0, 900.0, 520.0)], (60.0, 20.0), gap=10.0, spacing=2.0, elbow=10.0
    )
    (c,) = lay.placed
    assert c.rect[3] <= 476.0 or c.rect[1] >= 524.0  # (twice the spacing clear of it)
    assert c.rect[1] == pytest.approx(524.0)
