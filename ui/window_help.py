"""The main window's help (product.md, "Screens"): the user manual at the part for the screen in
front of the user (F1), the keyboard shortcuts and the about box. A part of
:class:`ui.main_window.MainWindow` (it inherits them, like :mod:`ui.window_menus`); it names below
what of the window it uses, and never imports it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtWidgets import QApplication

from db.database import DatabaseError
from ui.window_part import WindowPart

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDialog

    from ui.help import HelpWindow
    from ui.patient_browser import PatientBrowser
    from ui.session import PatientSession
    from ui.tabs import SteadyTabWidget


class WindowHelp(WindowPart):
    """The Help menu's screens of the window that inherits them (with QMainWindow after it)."""

    if TYPE_CHECKING:
        # What it uses: the window's own members (the two windows are made by WindowMenus).
        session: PatientSession
        browser: PatientBrowser
        tabs: SteadyTabWidget
        help_window: HelpWindow | None
        text_dialog: QDialog | None

    def help_section(self) -> str:
        """The manual's part for the screen in front of the user (F1)."""
        focus = QApplication.focusWidget()
        if self.session.record is None or (focus is not None and self.browser.isAncestorOf(focus)):
            return "Finding a patient"
        return ("Overview", "Programme", "History", "Pump")[self.tabs.currentIndex()]

    def show_help(self, section: str | None = None) -> HelpWindow:
        from ui.help import HelpWindow

        if self.help_window is None:
            self.help_window = HelpWindow(self)
        self.help_window.show()
        self.help_window.activateWindow()
        self.help_window.show_section(section or self.help_section())
        return self.help_window

    def show_shortcuts(self) -> None:
        from ui.help import TextDialog, shortcuts_html, window_shortcuts

        shortcuts = window_shortcuts(self.menuBar(), [])
        self.text_dialog = TextDialog(
            "Keyboard shortcuts", shortcuts_html(shortcuts), "shortcutsList", self
        )
        self.text_dialog.show()  # not modal: it never blocks, and stays open beside the work

    def show_about(self) -> None:
        from ui.help import TextDialog, about_html

        html = about_html(
            library=self._library_words(), catalogue=self.session.db.catalogue.version
        )
        self.text_dialog = TextDialog("About ITB programmer console", html, "aboutDialog", self)
        self.text_dialog.show()

    def _library_words(self) -> str:
        try:
            library = self.session.db.library
        except DatabaseError as exc:
            return f"none active ({exc})"
        return library.version
