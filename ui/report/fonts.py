"""The report's font, registered with Qt at start-up so that a PDF paginates the same on every
system (toolchain.md: without DejaVu every glyph is an empty box; Windows has no DejaVu).

The desktop bundle carries the DejaVu TTF files in ``ui/report/fonts/`` (scripts/bundle puts
them there, with their licence); a development install without that folder uses the system's
fonts-dejavu-core."""

from __future__ import annotations

from pathlib import Path

FONT_FOLDER = Path(__file__).with_name("fonts")


def register_report_fonts(folder: Path = FONT_FOLDER) -> list[str]:
    """Register every TTF in ``folder`` with the running Qt application; the families added.
    Call after the QGuiApplication exists."""
    from PySide6.QtGui import QFontDatabase

    families: list[str] = []
    for font in sorted(folder.glob("*.ttf")) if folder.is_dir() else []:
        font_id = QFontDatabase.addApplicationFont(str(font))
        if font_id < 0:
            raise RuntimeError(f"the report font {font} cannot be loaded")
        families += QFontDatabase.applicationFontFamilies(font_id)
    return sorted(set(families))
