"""The base of the main window's parts (:mod:`ui.window_menus`, :mod:`ui.window_admin`,
:mod:`ui.window_help`, :mod:`ui.window_user`, :mod:`ui.window_training`): classes that
:class:`ui.main_window.MainWindow` inherits, with QMainWindow after them. Each names what of the
window it uses and never imports it. To the type checker a part is a QMainWindow (it calls
``statusBar()``, ``menuBar()``...); at run time a plain class, so the window has one Qt base."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PySide6.QtWidgets import QMainWindow

    WindowPart = QMainWindow
else:
    WindowPart = object
