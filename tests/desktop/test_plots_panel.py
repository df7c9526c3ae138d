"""The cells-by-site plot labels each line at its end; on a short plot, labels of nearby lines must
not print over each other (at 1080 p the plot is about 100 px tall)."""

import numpy as np

from desktop.window.panels.plots_panel import PlotsPanel


def _overlaps(a, b) -> bool:
    return a.intersects(b) and a.intersected(b).height() > 0.5


def _shown_panel(qtbot, controller, sizes) -> PlotsPanel:
    """A short plot (460x150, as at 1080 p) on the controller's primary, shown."""
    panel = PlotsPanel(controller.graph, sizes)
    panel.resize(460, 150)
    qtbot.addWidget(panel)
    panel.show()
    qtbot.waitExposed(panel)
    panel.set_primary(controller.scenario.primary)
    return panel


def test_end_labels_of_close_lines_do_not_overlap_on_a_short_plot(qtbot, controller, sizes):
    panel = _shown_panel(qtbot, controller, sizes)
    t = np.linspace(0.0, 60.0, 61)
    cells = np.zeros((t.size, controller.graph.n))
    # the regional nodes and the brain end 0.3 decades apart: their labels would touch
    cells[:, panel.groups["regional nodes"][0]] = 30.0
    cells[:, panel.groups["brain"][0]] = 15.0
    panel.show_history(t, cells, np.full(t.size, 1e8))
    qtbot.wait(20)
    shown = [lab for lab in panel.labels.values() if lab.isVisible()]
    assert len(shown) == 3
    # the text's own box: the item's rectangle less the document margin around the glyphs
    rects = []
    for lab in shown:
        m = lab.textItem.document().documentMargin()
        rects.append(lab.mapRectToScene(lab.boundingRect()).adjusted(0, m, 0, -m))
    print("label rects (scene px):", [(round(r.top(), 1), round(r.bottom(), 1)) for r in rects])
    for i in range(len(rects)):
        for j in range(i + 1, len(rects)):
            assert not _overlaps(rects[i], rects[j]), (i, j, rects[i], rects[j])


def test_the_plot_is_redrawn_only_when_its_picture_changes(qtbot, controller, sizes):
    panel = _shown_panel(qtbot, controller, sizes)
    sets = []
    curve = panel.curves["lungs"]
    curve.sigPlotChanged.connect(lambda *_: sets.append(1))
    lung = panel.groups["lungs"][0]
    t = np.array([0.0, 30.0, 30.2])
    cells = np.zeros((3, controller.graph.n))
    cells[:, lung] = [10.0, 400.0, 400.0]
    prim = np.full(3, 1e8)
    panel.show_history(t, cells, prim)
    assert len(sets) == 1
    # the live end moves less than a pixel (a thousandth of a decade, 1e-5 of the axis): no redraw
    panel.show_history(t + np.array([0, 0, 1e-4]), cells * np.array([1, 1, 1.002])[:, None], prim)
    assert len(sets) == 1
    # a tenth of a decade more cells in the lungs: redrawn, and the line shows the new end
    cells[2, lung] = 500.0
    panel.show_history(t, cells, prim)
    assert len(sets) == 2
    assert curve.yData[-1] == 500.0
    # a new primary always redraws
    panel.set_primary(controller.scenario.primary)  # (clears the lines)
    before = len(sets)
    panel.show_history(t, cells, prim)
    assert len(sets) == before + 1


def test_the_axes_move_in_steps_and_always_leave_the_end_labels_room(qtbot, controller, sizes):
    from desktop.window.panels.plots_panel import X_ROOM_MIN, X_ROOM_SET, x_axis_end, y_axis_top

    assert x_axis_end(10.0, 0.0) == 10.0 * X_ROOM_SET
    assert x_axis_end(11.0, 14.5) == 14.5  # still 1.32x room: kept
    assert x_axis_end(12.0, 14.5) == 12.0 * X_ROOM_SET  # 1.21x: set again
    assert x_axis_end(3.0, 14.5) == 3.0 * X_ROOM_SET  # lines in a sixth of it: set again
    assert y_axis_top(8.64, 0.0) == 9.0  # up to a whole half decade
    assert y_axis_top(8.7, 9.0) == 9.0 and y_axis_top(9.1, 9.0) == 9.5 and y_axis_top(4.0, 9.0) == 4.0
    panel = _shown_panel(qtbot, controller, sizes)
    vb = panel.plot.getViewBox()
    changes = []
    vb.sigRangeChanged.connect(lambda *_: changes.append(1))
    lung = panel.groups["lungs"][0]
    prim = np.full(3, 1e8)
    cells = np.zeros((3, controller.graph.n))
    ends = []
    for k in range(40):  # a run's end creeping on
        day = 30.0 + 0.2 * k
        cells[:, lung] = [10.0, 400.0, 400.0 * 1.05**k]
        panel.show_history(np.array([0.0, day - 1.0, day]), cells, prim)
        (x0, x1), (y0, y1) = vb.viewRange()
        ends.append((day, x1, y1))
        assert x1 >= X_ROOM_MIN * day * 0.999  # room for the labels right of the lines
        assert y1 >= np.log10(400.0 * 1.05**k)  # the lines are below the top
    print("axis changes:", len(changes), "of 40 redraws; ends:", ends[0], ends[-1])
    assert len(changes) <= 6


def test_a_redraw_that_keeps_the_ranges_does_not_paint_the_axes_again(qtbot, controller, sizes, monkeypatch):
    """The axes (tick labels and grid: 2 ms each in the live window) are cached pictures: a new
    line end within the same ranges repaints the lines, not the axes."""
    import pyqtgraph as pg

    names: dict[int, str] = {}
    painted = {"left": 0, "bottom": 0, "curve": 0}

    def counting(cls):
        orig = cls.paint

        def paint(self, *a):
            if id(self) in names:
                painted[names[id(self)]] += 1
            return orig(self, *a)

        monkeypatch.setattr(cls, "paint", paint)

    counting(pg.AxisItem)  # (before the panel exists: Qt looks the method up then)
    counting(pg.PlotCurveItem)
    panel = _shown_panel(qtbot, controller, sizes)
    names.update(
        {
            id(panel.plot.getAxis("left")): "left",
            id(panel.plot.getAxis("bottom")): "bottom",
            id(panel.curves["lungs"].curve): "curve",
        }
    )
    lung = panel.groups["lungs"][0]
    prim = np.full(3, 1e8)
    cells = np.zeros((3, controller.graph.n))
    cells[:, lung] = [10.0, 400.0, 400.0]
    panel.show_history(np.array([0.0, 29.0, 30.0]), cells, prim)
    panel.plot.grab()
    first = dict(painted)
    cells[2, lung] = 800.0  # a new end, within the same ranges
    panel.show_history(np.array([0.0, 29.0, 30.2]), cells, prim)
    panel.plot.grab()
    print("paints after the first redraw:", first, "after the second:", painted)
    assert first["left"] >= 1 and first["bottom"] >= 1 and painted["curve"] > first["curve"]
    assert painted["left"] == first["left"] and painted["bottom"] == first["bottom"]
