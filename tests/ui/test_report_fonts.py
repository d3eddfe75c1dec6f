"""The report font registered at start-up (ui/report/fonts.py): the bundle's DejaVu files are
added to Qt, a missing folder adds nothing, a damaged font file stops with its name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from pytestqt.qtbot import QtBot

from ui.report.fonts import FONT_FOLDER, register_report_fonts

SYSTEM_DEJAVU = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@pytest.mark.skipif(not SYSTEM_DEJAVU.is_file(), reason="needs fonts-dejavu-core to copy from")
def test_bundled_dejavu_is_registered_with_qt(qtbot: QtBot, tmp_path: Path) -> None:
    shutil.copy(SYSTEM_DEJAVU, tmp_path / "DejaVuSans.ttf")
    assert register_report_fonts(tmp_path) == ["DejaVu Sans"]


def test_no_font_folder_registers_nothing(qtbot: QtBot, tmp_path: Path) -> None:
    assert register_report_fonts(tmp_path / "absent") == []


def test_damaged_font_file_is_named_not_silently_replaced(qtbot: QtBot, tmp_path: Path) -> None:
    """A broken bundled font would make PDFs paginate differently without a word: refuse."""
    (tmp_path / "DejaVuSans.ttf").write_bytes(b"not a font")
    with pytest.raises(RuntimeError, match=r"DejaVuSans\.ttf"):
        register_report_fonts(tmp_path)


def test_the_bundle_puts_the_fonts_where_the_console_looks() -> None:
    spec = (Path(__file__).parents[2] / "packaging" / "itb-console.spec").read_text("utf-8")
    assert FONT_FOLDER.parts[-3:] == ("ui", "report", "fonts")
    assert '"ui/report/fonts"' in spec
