"""Start-up of the console window (imported only when the window is asked for)."""

from __future__ import annotations

import argparse
import sys


def run_window(args: argparse.Namespace) -> int:
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication(sys.argv[:1])
    label = QLabel(
        "ITB programmer console: the window arrives with the console-window issue.\n"
        "Use 'itb-console check FILE' and 'itb-console project FILE' meanwhile."
    )
    label.setWindowTitle("ITB programmer console")
    label.resize(560, 120)
    label.show()
    return int(app.exec())
