"""The gallery theme: colours (Okabe-Ito for categories), the bundled font and the style sheet.

Three type sizes only (small, medium, large), scaled once from the window height so the same
layout reads from two metres on a 1080p screen and still fits 1280x800.
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtGui import QColor, QFont, QFontDatabase

from desktop.core.assets import asset_path

# --- colours ------------------------------------------------------------------------------------
BG = "#0b1426"  # deep navy behind the body
PANEL = "#111e35"  # panels and bars
PANEL_2 = "#1a2b47"  # raised controls
BORDER = "#2c4166"
TEXT = "#eef3fa"  # 15:1 on PANEL
TEXT_DIM = "#b4c2d8"  # 9:1 on PANEL
ACCENT = "#f5c451"  # focus, selection, the clock

#: Okabe-Ito, lightened a touch where the original is too dark on navy (contrast >= 3:1).
ORANGE = "#E69F00"
SKY = "#56B4E9"
GREEN = "#19C39A"  # Okabe-Ito bluish green #009E73, lifted for the dark background
YELLOW = "#F0E442"
BLUE = "#3D9BE0"  # Okabe-Ito blue #0072B2, lifted
VERMILLION = "#F06A1D"  # Okabe-Ito vermillion #D55E00, lifted
PURPLE = "#E08DBE"  # Okabe-Ito reddish purple #CC79A7, lifted
GREY = "#9aa6b8"

#: Vessel kinds in ``sim_core.model.body_graph.VESSEL_KINDS`` order (artery, vein, portal, lymph,
#: cavity, plexus): warm red, blue, violet, teal, amber (dashed), pink.
VESSEL_COLORS = ("#ff6b6b", "#5b9cff", "#b48cff", "#3ad6c5", "#f5b83d", "#ff8fd0")
VESSEL_LABELS = ("arteries", "veins", "portal veins", "lymphatics", "cavity spread", "vertebral plexus")
ROUTE_WORDS = (
    "by artery",
    "by vein",
    "by the portal vein",
    "by lymph",
    "across a body cavity",
    "by the vertebral plexus",
)

# Organ glyphs and deaths (categories, Okabe-Ito; each also has its own shape).
DORMANT = SKY
MICRO = ORANGE
MACRO = VERMILLION
ARREST = YELLOW
PRIMARY = "#ff7a45"
DEATH_ANOIKIS = "#c9d1dd"
DEATH_SHEAR = YELLOW
DEATH_IMMUNE = GREEN
NONVIABLE = "#8d99ab"


def qcolor(hex_: str, alpha: float = 1.0) -> QColor:
    c = QColor(hex_)
    c.setAlphaF(alpha)
    return c


def argb(hex_: str) -> int:
    """A colour as the 0xAARRGGBB integer the rasteriser takes (opaque)."""
    return 0xFF000000 | int(hex_.lstrip("#"), 16)


# --- type ---------------------------------------------------------------------------------------
FONT_FAMILY = "DejaVu Sans"


def load_fonts() -> str:
    """Register the bundled Open Sans (Apache-2.0) and return the family to use."""
    global FONT_FAMILY
    folder = asset_path("fonts")
    family = None
    for name in ("OpenSans-Regular.ttf", "OpenSans-Semibold.ttf"):
        path = folder / name
        if path.is_file():
            fid = QFontDatabase.addApplicationFont(str(path))
            fams = QFontDatabase.applicationFontFamilies(fid) if fid >= 0 else []
            family = family or (fams[0] if fams else None)
    FONT_FAMILY = family or "DejaVu Sans"
    return FONT_FAMILY


@dataclass(frozen=True)
class Sizes:
    """The three type sizes in pixels, and a general scale for paddings and glyphs."""

    small: int
    medium: int
    large: int
    scale: float


def sizes_for_height(height_px: int) -> Sizes:
    s = min(max(height_px / 1080.0, 0.74), 1.6)
    return Sizes(small=round(15 * s), medium=round(19 * s), large=round(30 * s), scale=s)


def screen_sizes(share: float = 0.9) -> Sizes:
    """Type sizes for a window ``share`` of the primary screen's available height (1000 px without
    a screen)."""
    from PySide6.QtGui import QGuiApplication

    screen = QGuiApplication.primaryScreen()
    h = screen.availableGeometry().height() if screen else 1000
    return sizes_for_height(int(h * share))


def save_png(widget, path) -> None:
    """``widget`` as drawn now, saved as a PNG at ``path``; OSError naming the file if it cannot be."""
    pix = widget.grab()
    if pix.isNull() or not pix.save(str(path), "PNG"):
        raise OSError(f"could not write {path}")


def show_offscreen(app, win, size: tuple[int, int]) -> None:
    """Show ``win`` at ``size`` (width, height) without putting it on a screen, and let it draw once
    (the screenshot renderers)."""
    from PySide6.QtCore import Qt

    win.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
    win.resize(*size)
    win.show()
    app.processEvents()


def save_settled(app, win, refresh, path) -> None:
    """Let ``win`` settle (a few turns of the event loop), redraw it with ``refresh()``, save it as a
    PNG at ``path`` and close it (the end of the screenshot renderers)."""
    for _ in range(5):
        app.processEvents()
    refresh()
    app.processEvents()
    save_png(win, path)
    win.close()


def as_panel(widget):
    """``widget`` drawn as a raised panel (the style sheet's ``#panel`` background); returns it."""
    from PySide6.QtCore import Qt

    widget.setObjectName("panel")
    widget.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
    return widget


def big_button(slot):
    """A big button (the style sheet's ``#big``) that calls ``slot`` when clicked; its text is set later."""
    from PySide6.QtWidgets import QPushButton

    button = QPushButton()
    button.setObjectName("big")
    button.clicked.connect(slot)
    return button


def titled_column(widget, title: str, margin: int):
    """A panel's vertical layout on ``widget``, ``margin`` px all round, with ``title`` at the top as
    its heading; returns the layout."""
    from PySide6.QtWidgets import QLabel, QVBoxLayout

    lay = QVBoxLayout(widget)
    lay.setContentsMargins(margin, margin, margin, margin)
    heading = QLabel(title)
    heading.setObjectName("heading")
    lay.addWidget(heading)
    return lay


def font(px: int, bold: bool = False) -> QFont:
    f = QFont(FONT_FAMILY)
    f.setPixelSize(max(8, int(px)))
    if bold:
        f.setWeight(QFont.Weight.DemiBold)
    return f


def restyle(widget, css: str) -> None:
    """Give ``widget`` the style sheet ``css`` unless it already has it: setting a style sheet
    re-polishes the widget and its children even when the text is the same (a caption update
    restyled seven step labels every time, about 0.2 ms each)."""
    if widget.styleSheet() != css:
        widget.setStyleSheet(css)


def style_sheet(sz: Sizes) -> str:
    pad = max(3, round(6 * sz.scale))
    rad = max(4, round(8 * sz.scale))
    return f"""
    QWidget {{ background: {BG}; color: {TEXT}; font-family: "{FONT_FAMILY}"; font-size: {sz.small}px; }}
    QFrame#panel, QWidget#panel {{ background: {PANEL}; border: 1px solid {BORDER}; border-radius: {rad}px; }}
    QLabel {{ background: transparent; }}
    QLabel#dim {{ color: {TEXT_DIM}; }}
    QLabel#heading {{ font-size: {sz.medium}px; font-weight: 600; }}
    QLabel#clock {{ font-size: {sz.large}px; font-weight: 600; color: {ACCENT}; }}
    QLabel#caption {{ font-size: {sz.large}px; }}
    QLabel#stage {{ font-size: {sz.medium}px; font-weight: 600; }}
    QPushButton, QToolButton {{ background: {PANEL_2}; color: {TEXT}; border: 1px solid {BORDER};
        border-radius: {rad}px; padding: {pad}px {pad * 2}px; font-size: {sz.small}px; }}
    QPushButton:hover, QToolButton:hover {{ border-color: {ACCENT}; }}
    QPushButton:focus, QToolButton:focus, QSlider:focus, QComboBox:focus, QCheckBox:focus {{
        border: 2px solid {ACCENT}; }}
    QPushButton:checked, QToolButton:checked {{ background: #3a4f75; border-color: {ACCENT}; }}
    QPushButton#big {{ font-size: {sz.medium}px; font-weight: 600; min-width: {round(120 * sz.scale)}px; }}
    QComboBox {{ background: {PANEL_2}; border: 1px solid {BORDER}; border-radius: {rad}px;
        padding: {pad}px {pad * 2}px; font-size: {sz.medium}px; }}
    QComboBox QAbstractItemView {{ background: {PANEL_2}; selection-background-color: #3a4f75; }}
    QCheckBox {{ background: transparent; spacing: {pad}px; }}
    QCheckBox::indicator {{ width: {round(18 * sz.scale)}px; height: {round(18 * sz.scale)}px;
        border: 2px solid {TEXT_DIM}; border-radius: 4px; background: {PANEL_2}; }}
    QCheckBox::indicator:checked {{ background: {ACCENT}; border-color: {ACCENT}; }}
    QSpinBox {{ background: {PANEL_2}; border: 1px solid {BORDER}; border-radius: {rad}px; padding: {pad}px; }}
    QSlider {{ background: transparent; min-height: {round(26 * sz.scale)}px; }}
    QSlider::groove:horizontal {{ height: {max(4, round(6 * sz.scale))}px; background: #2b3f63; border-radius: 3px; }}
    QSlider::sub-page:horizontal {{ background: {SKY}; border-radius: 3px; }}
    QSlider::handle:horizontal {{ background: {TEXT}; width: {round(20 * sz.scale)}px;
        margin: -{round(8 * sz.scale)}px 0; border-radius: {round(10 * sz.scale)}px; }}
    QScrollArea {{ border: none; background: transparent; }}
    QScrollBar:vertical {{ background: {PANEL}; width: 10px; }}
    QScrollBar::handle:vertical {{ background: {BORDER}; border-radius: 4px; min-height: 30px; }}
    QTabWidget::pane {{ border: 1px solid {BORDER}; border-radius: {rad}px; background: {PANEL}; }}
    QTabBar::tab {{ background: {PANEL_2}; color: {TEXT_DIM}; padding: {pad}px {pad * 2}px;
        border-top-left-radius: {rad}px; border-top-right-radius: {rad}px; }}
    QTabBar::tab:selected {{ color: {TEXT}; background: #2b3f63; }}
    QToolTip {{ background: {PANEL_2}; color: {TEXT}; border: 1px solid {BORDER}; }}
    """
