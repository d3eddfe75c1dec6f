"""Transmit to the pump (product.md, "Review and confirm": "the pump stops, takes the programme,
is read back and compared, and resumes"): a progress dialog that walks the programming session
one visible step at a time. A dropped link can be simulated (for trainers, and tests): the
session then ends with the pump STOPPED, which the dialog says in red."""

from __future__ import annotations

from collections.abc import Callable
from html import escape

from PySide6.QtCore import QSize, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from programmer.compare import compare
from programmer.programme import Programme
from programmer.simulated_pump import SessionStep, SimulatedPump
from programmer.telemetry import Link, Transmission, TransmissionOutcome, TransmissionResult
from ui.screen import fit_to_screen
from ui.theme import ERROR_COLOUR, INFO_COLOUR, MUTED_COLOUR, OK_COLOUR

STEP_WORDS = {
    SessionStep.STOP: "Stop the pump",
    SessionStep.SEND: "Send the new programme",
    SessionStep.READ_BACK: "Read it back and compare with what was sent",
    SessionStep.RESTART: "Restart the pump on the new programme",
}
DROP_CHOICES: tuple[tuple[SessionStep | None, str], ...] = (
    (None, "No: a normal transmission"),
    (SessionStep.SEND, "Yes: link lost before sending"),
    (SessionStep.READ_BACK, "Yes: link lost before the read-back"),
    (SessionStep.RESTART, "Yes: link lost before the restart"),
)
RED = ERROR_COLOUR  # resolved against the palette when formatted


StepHook = Callable[[SessionStep], bool]


class TransmitDialog(QDialog):
    """``transmission_ended(TransmissionResult)`` as soon as the session ends, well or not;
    :attr:`result` holds it after.

    ``before_step(step)`` is called before each step goes over the link and ``after_step(step)``
    after each step that leaves the session open, so the console's record of the pump follows
    the session step by step (issue 9: a console killed mid-transmission must find the pump
    stopped after restart). ``before_step`` returning False ends the session there, the pump
    untouched by that step (the console could not record it)."""

    transmission_ended = Signal(object)

    def __init__(
        self,
        pump: SimulatedPump,
        programme: Programme,
        *,
        heading: str,
        link: Link | None = None,
        before_step: StepHook | None = None,
        after_step: StepHook | None = None,
        training: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Transmit to the pump")
        self._before_step = before_step
        self._after_step = after_step
        self.setObjectName("transmitDialog")
        self.pump = pump
        self.programme = programme
        self.step_delay_ms = 450  # long enough to see each step; tests set 0
        self._link = link
        self.transmission: Transmission | None = None
        # How the transmission ended; not `result`, which would hide QDialog.result().
        self.outcome: TransmissionResult | None = None

        intro = QLabel(heading)
        intro.setObjectName("transmitHeading")
        intro.setWordWrap(True)
        # Simulating a dropped link is a trainer's control: offered in training only.
        self.training = training
        self.drop_combo = QComboBox(self)
        self.drop_combo.setObjectName("simulateDroppedLink")
        self.drop_combo.setAccessibleName("Simulate a dropped link")
        for _step, text in DROP_CHOICES:
            self.drop_combo.addItem(text)
        if link is not None:
            self.drop_combo.setEnabled(False)
            self.drop_combo.setToolTip("The link is set by the trainer's scenario.")
        trainer = QFormLayout()
        if training:
            trainer.addRow("Simulate a dropped link (training):", self.drop_combo)
        else:
            self.drop_combo.setEnabled(False)
            self.drop_combo.hide()

        steps_box = QGroupBox("Programming session")
        steps_layout = QVBoxLayout(steps_box)
        self.step_labels: dict[SessionStep, QLabel] = {}
        for i, step in enumerate(Transmission.STEPS, start=1):
            label = QLabel()
            label.setObjectName(f"step_{step.value}")
            label.setTextFormat(Qt.TextFormat.RichText)
            self.step_labels[step] = label
            steps_layout.addWidget(label)
            self._mark(step, "waiting", i)
        self.read_back_label = QLabel()
        self.read_back_label.setObjectName("readBack")
        self.read_back_label.setWordWrap(True)
        self.read_back_label.setTextFormat(Qt.TextFormat.RichText)
        steps_layout.addWidget(self.read_back_label)

        self.result_label = QLabel()
        self.result_label.setObjectName("transmitResult")
        self.result_label.setWordWrap(True)
        self.result_label.setTextFormat(Qt.TextFormat.RichText)
        font = QFont(self.result_label.font())
        font.setBold(True)
        self.result_label.setFont(font)

        self.buttons = QDialogButtonBox()
        self.start_button = QPushButton("&Start transmission")
        self.start_button.setObjectName("startTransmission")
        self.start_button.setDefault(True)
        self.close_button = QPushButton("&Close")
        self.buttons.addButton(self.start_button, QDialogButtonBox.ButtonRole.ActionRole)
        self.buttons.addButton(self.close_button, QDialogButtonBox.ButtonRole.AcceptRole)
        self.start_button.clicked.connect(self.start)
        self.close_button.clicked.connect(self.accept)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(trainer)
        layout.addWidget(steps_box)
        layout.addWidget(self.result_label)
        layout.addStretch(1)
        layout.addWidget(self.buttons)
        fit_to_screen(self, QSize(640, 420))

    # ------------------------------------------------------------ the session

    @property
    def running(self) -> bool:
        return self.transmission is not None and self.outcome is None

    def start(self) -> None:
        """Begin the session; steps follow every :attr:`step_delay_ms` (at once when 0)."""
        if self.transmission is not None:
            return
        chosen = DROP_CHOICES[self.drop_combo.currentIndex()][0] if self.training else None
        link = self._link or Link(drop_before=chosen)
        self.transmission = Transmission(self.pump, self.programme, link)
        self.start_button.setEnabled(False)
        self.close_button.setEnabled(False)
        self.drop_combo.setEnabled(False)
        self._in_progress()
        if self.step_delay_ms <= 0:
            while self.running:
                self.step()
        else:
            QTimer.singleShot(self.step_delay_ms, self.step)

    def step(self) -> None:
        """Take the next step now (the timer calls this; a demonstration may too)."""
        session = self.transmission
        if session is None or self.outcome is not None:
            return
        coming = session.next_step
        if coming is not None and self._before_step is not None and not self._before_step(coming):
            done = tuple(session.done)
            last = done[-1].value if done else "start"
            self._finish(
                TransmissionResult(
                    False,
                    done,
                    False,
                    f"Stopped after '{last}': the console could not record the next step, so it "
                    "was not sent."
                    + (" THE PUMP IS STOPPED: finish or undo the session." if done else ""),
                    TransmissionOutcome.CONSOLE_STOPPED,
                )
            )
            return
        taken = session.advance()
        if taken is not None:
            self._mark(taken, "done")
            if taken is SessionStep.READ_BACK:
                self._show_read_back(session)
        if session.result is not None:
            self._finish(session.result)
            return
        if taken is not None and self._after_step is not None:
            self._after_step(taken)
        self._in_progress()
        if self.step_delay_ms > 0:
            QTimer.singleShot(self.step_delay_ms, self.step)

    def _in_progress(self) -> None:
        assert self.transmission is not None
        step = self.transmission.next_step
        if step is not None:
            self._mark(step, "in progress…")

    def _show_read_back(self, session: Transmission) -> None:
        if session.read is None:
            return
        rows = compare(self.programme, session.read)
        differ = [r for r in rows if r.changed]
        if not differ:
            self.read_back_label.setText(
                f"<span style='color:{OK_COLOUR.name()}'>Read-back matches what was sent: "
                f"all {len(rows)} values the same.</span>"
            )
            return
        lines = "<br>".join(
            f"{escape(r.label)}: sent {escape(r.before)}, read back {escape(r.after)}"
            for r in differ
        )
        self.read_back_label.setText(
            f"<span style='color:{RED}'><b>Read-back differs from what was sent:</b><br>"
            f"{lines}</span>"
        )

    def _finish(self, result: TransmissionResult) -> None:
        self.outcome = result
        for step in Transmission.STEPS:
            if step in result.steps_done:
                continue
            lost = result.outcome is TransmissionOutcome.TELEMETRY_LOST
            if lost and step is Transmission.STEPS[len(result.steps_done)]:
                self._mark(step, "FAILED: link lost")
            else:
                self._mark(step, "not done")
        if result.completed:
            self.result_label.setText(
                f"<span style='color:{OK_COLOUR.name()}'>✓ {escape(result.message)}</span>"
            )
        else:
            self.result_label.setText(
                f"<span style='color:{RED}; font-size: 14pt'>⚠ {escape(result.message)}</span>"
            )
        self.close_button.setEnabled(True)
        self.transmission_ended.emit(result)

    def _mark(self, step: SessionStep, status: str, number: int | None = None) -> None:
        number = number or Transmission.STEPS.index(step) + 1
        colour = {
            "done": OK_COLOUR.name(),
            "waiting": MUTED_COLOUR.name(),
            "not done": MUTED_COLOUR.name(),
        }.get(status, RED.name() if status.startswith("FAILED") else INFO_COLOUR.name())
        mark = {"done": "✓", "waiting": "·", "not done": "–"}.get(
            status, "✗" if status.startswith("FAILED") else "▶"
        )
        self.step_labels[step].setText(
            f"<span style='color:{colour}'>{mark} {number}. {STEP_WORDS[step]} — "
            f"<b>{status}</b></span>"
        )

    def step_status(self, step: SessionStep) -> str:
        """The status word shown for ``step`` (for tests and screen readers)."""
        text = self.step_labels[step].text()
        return text.split("<b>")[1].split("</b>")[0]

    def reject(self) -> None:
        """Escape does nothing while the session runs: the pump must not be left mid-step."""
        if self.running:
            return
        super().reject()
