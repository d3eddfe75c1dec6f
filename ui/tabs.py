"""A tab widget that repaints only when its own layout changes.

Qt's QTabWidget lays itself out again, and repaints itself whole with every page, on each
LayoutRequest; a label on a page that changes its text (the day's total on every keystroke)
posts one up through every parent. On the editor that repainted the whole window for each edit,
four times the pixels the edit changed (issue 14: an edit within one frame). Here the request
goes through only when what the tab layout is made from changed: the tab bar's size and
visibility, or the corner widgets'. A change of size still lays it out (Qt does that on resize),
and the widget's own size hint still follows its pages (the request is passed on up)."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QSize, Qt
from PySide6.QtWidgets import QTabWidget, QWidget

_CORNERS = (Qt.Corner.TopLeftCorner, Qt.Corner.TopRightCorner)


class SteadyTabWidget(QTabWidget):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._laid_out_for: tuple[object, ...] | None = None

    def _layout_inputs(self) -> tuple[object, ...]:
        bar = self.tabBar()
        corners: list[QSize | None] = []
        for corner in _CORNERS:
            widget = self.cornerWidget(corner)
            corners.append(widget.sizeHint() if widget and widget.isVisibleTo(self) else None)
        return (bar.sizeHint(), bar.isVisibleTo(self), self.tabPosition(), *corners)

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.LayoutRequest:
            inputs = self._layout_inputs()
            if inputs == self._laid_out_for:
                self.updateGeometry()  # a page's size hint may have changed this one's
                return True
            self._laid_out_for = inputs
        return super().event(event)
