"""The Help menu: the user manual shipped with the package (ui/help/manual.md), opened at the
part for the current screen by F1; the keyboard shortcuts, read from the window's own actions;
and About (version, licence, intended use, the active drug library and pump catalogue)."""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from importlib import metadata
from importlib.resources import files

from PySide6.QtCore import QSize
from PySide6.QtGui import QAction, QKeySequence, QTextCursor
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QMenu,
    QMenuBar,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from ui.screen import fit_to_screen

LICENCE = "GPL-3.0-or-later"
INTENDED_USE = (
    "A training and planning tool for implanted intrathecal baclofen pumps, not clinical advice: "
    "every dose, date and finding must be checked by the responsible clinician against the "
    "pump manufacturer's instructions and the clinic's protocols."
)


def manual_text() -> str:
    """The manual's Markdown, as shipped inside the package."""
    return files("ui.help").joinpath("manual.md").read_text(encoding="utf-8")


def manual_sections() -> list[str]:
    """The manual's section titles (its ``## `` headings), in order."""
    return [line[3:].strip() for line in manual_text().splitlines() if line.startswith("## ")]


def package_version() -> str:
    try:
        return metadata.version("itb-console")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


class HelpWindow(QDialog):
    """The manual in a text browser; :meth:`show_section` scrolls to one part."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("helpWindow")
        self.setWindowTitle("User manual — ITB programmer console")
        self.browser = QTextBrowser()
        self.browser.setObjectName("manual")
        self.browser.setAccessibleName("User manual")
        self.browser.setOpenExternalLinks(False)
        self.browser.setMarkdown(manual_text())
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        fit_to_screen(self, QSize(760, 680))

    def show_section(self, title: str) -> bool:
        """Scroll so that the section headed ``title`` is at the top; False when none is."""
        block = self.browser.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() == 2 and block.text().strip() == title:
                cursor = QTextCursor(block)
                self.browser.setTextCursor(cursor)
                layout = self.browser.document().documentLayout()
                top = int(layout.blockBoundingRect(block).top())
                self.browser.verticalScrollBar().setValue(top)
                return True
            block = block.next()
        return False

    def visible_sections(self) -> list[str]:
        """The section headings in view, top first."""
        top = self.browser.verticalScrollBar().value()
        bottom = top + self.browser.viewport().height()
        layout = self.browser.document().documentLayout()
        found = []
        block = self.browser.document().begin()
        while block.isValid():
            if block.blockFormat().headingLevel() == 2:
                y = layout.blockBoundingRect(block).top()
                if top - 1 <= y < bottom:
                    found.append(block.text().strip())
            block = block.next()
        return found


@dataclass(frozen=True)
class Shortcut:
    menu: str
    command: str
    keys: str


def window_shortcuts(menu_bar: QMenuBar, extra: list[tuple[str, list[QAction]]]) -> list[Shortcut]:
    """Every shortcut the window answers, read from its actions: those of each menu (in menu
    order, sub-menus included) and of ``extra`` (named groups of actions that are in no menu)."""
    found: list[Shortcut] = []
    seen: set[int] = set()

    def add(menu_title: str, actions: list[QAction]) -> None:
        for action in actions:
            if action.menu() is not None:
                submenu = action.menu()
                assert isinstance(submenu, QMenu)
                add(strip(submenu.title()), submenu.actions())
                continue
            if action.isSeparator() or id(action) in seen:
                continue
            keys = [
                s.toString(QKeySequence.SequenceFormat.NativeText)
                for s in action.shortcuts()
                if not s.isEmpty()
            ]
            if keys:
                seen.add(id(action))
                found.append(Shortcut(menu_title, strip(action.text()), ", ".join(keys)))

    for top in menu_bar.actions():
        menu = top.menu()
        if isinstance(menu, QMenu):
            add(strip(menu.title()), menu.actions())
    for title, actions in extra:
        add(title, actions)
    return found


def strip(text: str) -> str:
    """A menu text as read: without its mnemonic marker."""
    return text.replace("&&", "\0").replace("&", "").replace("\0", "&")


def shortcuts_html(shortcuts: list[Shortcut]) -> str:
    rows = "".join(
        f"<tr><td>{escape(s.menu)}</td><td>{escape(s.command)}</td><td><b>{escape(s.keys)}</b></td></tr>"
        for s in shortcuts
    )
    return (
        "<h2>Keyboard shortcuts</h2><p>Read from the window's own commands. Tab and Shift+Tab "
        "move between controls; Alt with an underlined letter chooses a menu, tab or button.</p>"
        "<table cellpadding='4'><tr><th align='left'>Menu</th><th align='left'>Command</th>"
        f"<th align='left'>Keys</th></tr>{rows}</table>"
    )


def about_html(*, library: str, catalogue: str) -> str:
    return (
        f"<h2>ITB programmer console</h2><p>Version {escape(package_version())}</p>"
        f"<p><b>Intended use:</b> {escape(INTENDED_USE)}</p>"
        f"<p>Active drug library: <b>{escape(library)}</b><br>"
        f"Pump catalogue: <b>{escape(catalogue)}</b></p>"
        f"<p>Licence: {LICENCE} (GNU General Public License, version 3 or any later version). "
        "This program comes with ABSOLUTELY NO WARRANTY.</p>"
    )


class TextDialog(QDialog):
    """A titled page of rich text with a Close button (the shortcuts list, About)."""

    def __init__(self, title: str, html: str, name: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        self.setWindowTitle(title)
        self.browser = QTextBrowser()
        self.browser.setAccessibleName(title)
        self.browser.setHtml(html)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        layout = QVBoxLayout(self)
        layout.addWidget(self.browser, 1)
        layout.addWidget(buttons)
        fit_to_screen(self, QSize(640, 560))
