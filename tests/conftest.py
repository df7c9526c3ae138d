"""Test set-up: offscreen Qt before any QApplication exists, and the versions in the header."""

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")


def pytest_configure(config):
    """pytest-qt fails a GUI test on any Qt warning except the ones the program itself ignores."""
    if config.pluginmanager.hasplugin("pytest-qt"):
        from desktop.launch import IGNORED_QT_MESSAGES

        for message in IGNORED_QT_MESSAGES:
            config.addinivalue_line("qt_log_ignore", message)


def pytest_report_header(config):
    import numba
    import numpy

    lines = [
        f"numba {numba.__version__}, numpy {numpy.__version__}, NUMBA_NUM_THREADS={numba.config.NUMBA_NUM_THREADS}"
    ]
    try:
        import pyqtgraph
        import PySide6
        from PySide6 import QtCore

        lines.append(f"PySide6 {PySide6.__version__}, Qt {QtCore.qVersion()}, pyqtgraph {pyqtgraph.__version__}")
    except ImportError:
        lines.append("Qt: not installed (core-only environment)")
    return lines
