"""Drive the real console window through its main screens and save a PNG of each (called by
scripts/screenshots under Xvfb). Every picture must be looked at before it is committed."""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QSettings, Qt, QTimer
from PySide6.QtWidgets import QApplication, QWidget

from db.database import Database
from ui.editor.schedule_model import Column
from ui.main_window import MainWindow
from ui.review_dialog import ReviewDialog

NOW = datetime(2026, 11, 22, 10, 0)


def settle(app: QApplication, rounds: int = 20) -> None:
    for _ in range(rounds):
        app.processEvents()


def shoot(app: QApplication, widget: QWidget, path: Path) -> None:
    settle(app)
    if not widget.grab().save(str(path)):
        raise SystemExit(f"could not write {path}")
    print(path)


def set_rate(window: MainWindow, row: int, text: str) -> None:
    assert window.editor is not None
    model = window.editor.table.model()
    model.setData(model.index(row, Column.RATE), text)


def main(out: Path) -> None:
    app = QApplication(sys.argv[:1])
    app.setApplicationName("ITB programmer console")
    work = Path(tempfile.mkdtemp(prefix="itb-shots-"))
    db = Database.open(work / "demo.sqlite", seed_demo=True, now=NOW)
    settings = QSettings(str(work / "settings.ini"), QSettings.Format.IniFormat)
    window = MainWindow(db, clock=lambda: NOW, user="dr.demo", settings=settings)
    window.resize(1280, 800)
    window.show()
    settle(app)

    window.browser.search.setText("mü")
    shoot(app, window, out / "browser.png")
    window.browser.search.clear()
    window.open_patient("DEMO-0002")
    shoot(app, window, out / "overview.png")
    window.tabs.setCurrentIndex(1)
    shoot(app, window, out / "programme.png")

    set_rate(window, 1, "70")  # +34.8 %: above the titration step, a soft finding
    set_rate(window, 2, "80")  # 80 mcg/h for 12 h: over the hard maximum
    shoot(app, window, out / "findings.png")
    set_rate(window, 2, "18")

    assert window.document is not None
    dialog = ReviewDialog(
        window.document.current,
        window.document.pending,
        window.document.result,
        current_title="Current (version 3)",
        parent=window,
    )
    dialog.setWindowFlag(Qt.WindowType.Dialog)
    dialog.show()
    for edit in dialog.reason_edits.values():
        edit.setText("Morning spasms; reviewed with the patient")
    dialog.change_reason.setText("More drug in the morning")
    shoot(app, dialog, out / "review.png")
    dialog.close()
    window.document.undo_stack.setIndex(0)

    window.open_patient("DEMO-0001")
    window.tabs.setCurrentIndex(2)
    shoot(app, window, out / "history.png")
    window.editor.plot_tabs.setCurrentIndex(1) if window.editor else None
    window.tabs.setCurrentIndex(1)
    shoot(app, window, out / "reservoir.png")
    QTimer.singleShot(0, window.close)
    db.close()


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs/screenshots"))
