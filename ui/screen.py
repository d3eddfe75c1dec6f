"""Fitting top-level windows to the screen they open on: the main window and every dialog open
within the screen's available area (QScreen.availableGeometry, without the task bar), at any
size and scaling a clinic has (1280x720, 1366x768, 1920x1080 at 200 %: 960x540 logical pixels).
What does not fit scrolls (the dialogs and the window keep their bodies in scroll areas)."""

from __future__ import annotations

from PySide6.QtCore import QObject, QRect, QSize, Qt
from PySide6.QtGui import QGuiApplication, QPalette
from PySide6.QtWidgets import (
    QApplication,
    QFocusFrame,
    QFrame,
    QLayout,
    QScrollArea,
    QWidget,
)
from shiboken6 import isValid

# Room left for the window manager's title bar and borders, which the widget's own size does
# not include before the window is first shown.
FRAME_ALLOWANCE = QSize(16, 40)


def available_area(widget: QWidget | None = None) -> QRect:
    """The available area of the screen ``widget`` is on (the primary screen when none)."""
    screen = widget.screen() if widget is not None else None
    if screen is None:
        screen = QGuiApplication.primaryScreen()
    return screen.availableGeometry()


def fitted_size(preferred: QSize, area: QRect) -> QSize:
    """``preferred``, shrunk where it is larger than ``area`` less the frame."""
    return QSize(
        max(1, min(preferred.width(), area.width() - FRAME_ALLOWANCE.width())),
        max(1, min(preferred.height(), area.height() - FRAME_ALLOWANCE.height())),
    )


def fit_to_screen(
    widget: QWidget, preferred: QSize | None = None, area: QRect | None = None
) -> QSize:
    """Size top-level ``widget`` to ``preferred`` (its size hint when None) but never larger
    than the available ``area`` (its screen's when None), and, once shown, move it inside that
    area. Returns the size it got; larger than the area only where its minimum size is (a test
    guards that no window of the console's has one)."""
    area = area if area is not None else available_area(widget)
    size = fitted_size(preferred if preferred is not None else widget.sizeHint(), area)
    widget.resize(size)
    frame = widget.frameGeometry()
    # Before it is first shown Qt places it (a dialog centred on its parent, kept on screen).
    if widget.isVisible() and not area.contains(frame):
        x = min(max(frame.x(), area.x()), area.x() + area.width() - frame.width())
        y = min(max(frame.y(), area.y()), area.y() + area.height() - frame.height())
        widget.move(max(x, area.x()), max(y, area.y()))
    return widget.size()


def scrolling(content: QLayout | QWidget) -> QScrollArea:
    """``content`` in a frameless scroll area: a dialog's body that scrolls where the screen is
    shorter than the body (its buttons stay outside, always reachable), or a long text that
    would otherwise be cut off."""
    if isinstance(content, QWidget):
        body = content
    else:
        body = QWidget()
        body.setLayout(content)
    area = QScrollArea()
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidget(body)
    return area


class FocusFrame(QObject):
    """A frame in the palette's highlight colour around whichever control has the keyboard
    focus, in every window of the application: where the focus is shows at a glance, whatever
    the style draws itself. One per application (:func:`install_focus_frame`)."""

    def __init__(self, app: QApplication) -> None:
        super().__init__(app)
        self.frame = self._new_frame()
        app.focusChanged.connect(self._focus_moved)

    @staticmethod
    def _new_frame() -> QFocusFrame:
        frame = QFocusFrame()
        frame.setObjectName("focusFrame")
        frame.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        return frame

    def _focus_moved(self, _old: QWidget | None, new: QWidget | None) -> None:
        if not isValid(self.frame):  # went with the window it last framed a control of
            self.frame = self._new_frame()
        if new is None or new.isWindow() or new.parentWidget() is None:
            self.frame.setWidget(None)  # type: ignore[arg-type]  # Qt takes None: no widget
            return
        palette = self.frame.palette()
        palette.setColor(
            QPalette.ColorRole.WindowText, new.palette().color(QPalette.ColorRole.Highlight)
        )
        self.frame.setPalette(palette)
        self.frame.setWidget(new)

    def widget(self) -> QWidget | None:
        return self.frame.widget()


def install_focus_frame() -> FocusFrame | None:
    """The application's focus frame, made on first call (None without a QApplication)."""
    app = QApplication.instance()
    if not isinstance(app, QApplication):
        return None
    existing = app.findChild(FocusFrame)
    return existing if existing is not None else FocusFrame(app)
