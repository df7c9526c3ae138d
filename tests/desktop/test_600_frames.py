"""600 frames of the whole window, exercising every view, with no Qt warning and no exception
(pytest-qt fails the test on exceptions raised inside Qt callbacks)."""

from PySide6.QtCore import QPointF, QtMsgType

from desktop.core.speeds import FAST_FORWARD
from tests.desktop.conftest import run_frames

IGNORED = ("This plugin does not support propagateSizeHints",)


def test_600_frames_without_warnings_or_exceptions(qtbot, qapp, qtlog, window, controller):
    g = controller.graph
    controller.play()
    controller.release_cluster()
    run_frames(qapp, controller, 150)
    x, y = g.xy[g.index["organ:liver"]]
    window.body.click_at(QPointF(x, y))
    window.params.rows["transit.attrition"].nudge(+1)
    window.params.treatment.setChecked(True)
    controller.set_speed(FAST_FORWARD)
    run_frames(qapp, controller, 150)
    window.top.scan.setChecked(True)
    run_frames(qapp, controller, 100)
    window.top.scan.setChecked(False)
    window.body.vb.scaleBy((0.5, 0.5))  # zoom in: sprites re-rasterise at the new scale
    controller.set_speed(2)
    run_frames(qapp, controller, 100)
    window.body.fit()
    window.resize(1000, 700)  # resize: buffers follow the view
    run_frames(qapp, controller, 100)
    assert window.frames_shown >= 600
    # a layer whose sprites are the same to the bit as at the last frame is not repainted
    # (test_frame_cost.py): each frame painted it or left it unchanged
    for layer in (window.body.packets, window.body.lesions):
        assert layer.paint_count >= 300 and layer.paint_count + layer.unchanged_frames >= 500
    bad = [
        r
        for r in qtlog.records
        if r.type in (QtMsgType.QtWarningMsg, QtMsgType.QtCriticalMsg, QtMsgType.QtFatalMsg)
        and not r.message.startswith(IGNORED)
    ]
    assert bad == [], [r.message for r in bad]
