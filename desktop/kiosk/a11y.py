"""Accessibility numbers for kiosk mode: WCAG contrast ratios of the theme's colour pairs, the
minimum touch target in pixels for the configured screen, and a pass that enforces it.
"""

from __future__ import annotations

import math

from PySide6.QtWidgets import QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QTabBar, QWidget

from desktop.window import theme

INTERACTIVE = (QAbstractButton, QAbstractSlider, QComboBox, QAbstractSpinBox, QTabBar)
BODY_TEXT_MIN = 7.0  # kiosk body text (WCAG 1.4.6 AAA)
TEXT_MIN = 4.5  # any text (WCAG 1.4.3)
GRAPHICS_MIN = 3.0  # markers, outlines, focus ring (WCAG 1.4.11)

#: (foreground, background, what) — text the kiosk shows, on each surface it sits on.
BODY_TEXT_PAIRS = (
    (theme.TEXT, theme.BG, "text on the page"),
    (theme.TEXT, theme.PANEL, "text on a panel"),
    (theme.TEXT, theme.PANEL_2, "text on a button"),
    (theme.TEXT_DIM, theme.BG, "secondary text on the page"),
    (theme.TEXT_DIM, theme.PANEL, "secondary text on a panel"),
    (theme.ACCENT, theme.BG, "clock and headings on the page"),
    (theme.ACCENT, theme.PANEL, "clock and headings on a panel"),
    (theme.TEXT, "#3a4f75", "text on a checked button"),
)
TEXT_PAIRS = (
    (theme.GREEN, theme.PANEL, "quiz 'right' mark"),
    (theme.ORANGE, theme.PANEL, "quiz 'not here' mark"),
)
GRAPHIC_PAIRS = tuple(
    (c, bg, f"{name} on {bgname}")
    for c, name in (
        (theme.ORANGE, "orange"),
        (theme.SKY, "sky blue"),
        (theme.GREEN, "bluish green"),
        (theme.YELLOW, "yellow"),
        (theme.BLUE, "blue"),
        (theme.VERMILLION, "vermilion"),
        (theme.PURPLE, "reddish purple"),
        (theme.ACCENT, "focus ring"),
    )
    for bg, bgname in ((theme.BG, "page"), (theme.PANEL, "panel"))
)


def _linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance(hex_: str) -> float:
    h = hex_.lstrip("#")
    r, g, b = (int(h[i : i + 2], 16) / 255.0 for i in (0, 2, 4))
    return 0.2126 * _linear(r) + 0.7152 * _linear(g) + 0.0722 * _linear(b)


def contrast(fg: str, bg: str) -> float:
    a, b = sorted((luminance(fg), luminance(bg)), reverse=True)
    return (a + 0.05) / (b + 0.05)


def min_target_px(
    min_px: int, min_mm: float, screen_width_px: int = 0, screen_width_mm: float = 0.0, dpi: float = 96.0
) -> int:
    """The larger of ``min_px`` and ``min_mm`` on this screen (its width in mm if the curator gave it)."""
    px_per_mm = screen_width_px / screen_width_mm if screen_width_mm > 0 and screen_width_px > 0 else dpi / 25.4
    return max(int(min_px), math.ceil(min_mm * px_per_mm))


def interactive_widgets(root: QWidget) -> list[QWidget]:
    """Widgets a visitor can touch that are shown now."""
    return [w for w in root.findChildren(QWidget) if isinstance(w, INTERACTIVE) and w.isVisibleTo(root)]


def enforce_targets(root: QWidget, px: int) -> None:
    for w in root.findChildren(QWidget):
        if isinstance(w, INTERACTIVE):
            w.setMaximumSize(max(w.maximumWidth(), px), max(w.maximumHeight(), px))
            w.setMinimumSize(max(w.minimumWidth(), px), max(w.minimumHeight(), px))


def kiosk_style(px: int, sz: theme.Sizes, intro: bool) -> str:
    """Added to the window's style sheet: big targets, a thick focus ring, larger type in Intro.
    Style-sheet sizes are content sizes, so the theme's padding and border are taken off."""
    pad = max(3, round(6 * sz.scale))
    font = sz.medium if intro else sz.small
    return f"""
    QPushButton, QToolButton {{ min-height: {px - 2 * pad - 2}px; min-width: {px - 4 * pad - 2}px;
        font-size: {font}px; }}
    QComboBox, QSpinBox {{ min-height: {px - 2 * pad - 2}px; }}
    QCheckBox, QSlider {{ min-height: {px}px; }}
    QCheckBox {{ font-size: {font}px; }}
    QPushButton#card {{ font-size: {sz.medium}px; font-weight: 600; }}
    QPushButton#card:disabled {{ background: transparent; color: {theme.TEXT_DIM};
        border: 2px dashed {theme.BORDER}; font-weight: 400; }}
    QScrollBar:vertical {{ width: {px}px; }}
    QScrollBar::handle:vertical {{ min-height: {px}px; background: {theme.TEXT_DIM}; border-radius: 6px; }}
    QScrollBar::add-line:vertical, QScrollBar::sub-line:vertical {{ height: 0px; }}
    QScrollBar::add-page:vertical, QScrollBar::sub-page:vertical {{ background: {theme.PANEL_2}; }}
    QTabBar::tab {{ min-height: {px - 2 * pad}px; min-width: {px}px; }}
    QPushButton:focus, QToolButton:focus, QSlider:focus, QComboBox:focus, QCheckBox:focus {{
        border: 3px solid {theme.ACCENT}; }}
    QCheckBox::indicator {{ width: {round(px * 0.6)}px; height: {round(px * 0.6)}px; }}
    """
