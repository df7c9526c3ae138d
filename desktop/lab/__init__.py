"""Lab level of the window (desktop mode only, never kiosk): exact parameters, scenario files,
exports with run receipts, fork and compare, system info. ``install_lab(win)`` adds it to a
``MainWindow``; ``desktop.app`` calls it only when no kiosk config is in force."""


def install_lab(win):
    """Give ``win`` its Lab menu, parameter dock and drag-and-drop; returns the ``LabMenu``."""
    from desktop.lab.menu import LabMenu

    win.lab = LabMenu(win)
    return win.lab
