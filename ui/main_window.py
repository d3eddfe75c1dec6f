"""The console's main window: the patient browser beside the open patient's overview, programme
editor and history; review-and-save through the database. The one place that joins engine,
storage and widgets (product.md, "Screens")."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QSettings, QSize, Qt, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QFrame,
    QLabel,
    QMainWindow,
    QScrollArea,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from db.database import (
    ConflictError,
    Database,
    DatabaseError,
    HardFindingError,
    MissingAcknowledgementError,
    PatientRecord,
    ProgrammeVersion,
)
from db.patients import with_record
from db.users import User
from programmer.check_context import CheckContext
from programmer.programme import DrugFill, Mode, Programme, Reservoir
from ui import patient_browser as browser_widths
from ui.assessments import AssessmentWorkflow
from ui.history import HistoryView
from ui.overview import PatientOverview
from ui.patient_browser import PatientBrowser
from ui.prompts import Unsaved, WindowPrompter
from ui.pump.workflows import PumpWorkflows
from ui.screen import available_area, fit_to_screen, install_focus_frame
from ui.session import FromSession, PatientSession
from ui.tabs import SteadyTabWidget
from ui.training import SimulatedClock
from ui.visit import VisitWorkflow
from ui.window_admin import WindowAdministration
from ui.window_help import WindowHelp
from ui.window_menus import TAB_TITLES, WindowMenus
from ui.window_reports import SessionReports
from ui.window_training import WindowTraining
from ui.window_user import WindowUser

if TYPE_CHECKING:
    from ui.editor.document import ProgrammeDocument
    from ui.editor.schedule_editor import ScheduleEditor
    from ui.idle_lock import IdleLock
    from ui.patient_form import NewPatient
    from ui.worklist import WorklistWindow

TITLE = "ITB programmer console"


class MainWindow(
    WindowMenus, WindowAdministration, WindowHelp, WindowUser, WindowTraining, QMainWindow
):
    """One clinician's session on one database. ``account``: who logged in (None in tests and
    scripts that drive the window directly). ``training_clock``: training mode, on the trainer's
    simulated clock, with the TRAINING banner and the trainer's panel."""

    # Training: the trainer asked to go back to the start (the app recreates the database).
    restart_requested = Signal()

    def __init__(
        self,
        database: Database,
        *,
        clock: Callable[[], datetime],
        user: str,
        prompter: WindowPrompter | None = None,
        settings: QSettings | None = None,
        account: User | None = None,
        training_clock: SimulatedClock | None = None,
    ) -> None:
        super().__init__()
        # The open patient, its record and check context, the pump state, the clock, the
        # prompter and the database: shared with the controllers below (ui.session).
        self.session = PatientSession(
            db=database,
            clock=clock,
            user=user,
            prompter=prompter or WindowPrompter(self),
            account=account,
            training=training_clock is not None,
        )
        self.training_clock = training_clock
        self.idle_lock: IdleLock | None = None
        self.worklist_window: WorklistWindow | None = None
        self.settings = settings or QSettings()
        self._seeds: dict[str, tuple[DrugFill, Reservoir]] = {}
        self.setObjectName("mainWindow")

        self.browser = PatientBrowser(database)
        self.browser.patient_chosen.connect(self.open_patient)
        self.browser.new_patient_requested.connect(self.new_patient)
        self.browser_dock = QDockWidget("Patients", self)
        self.browser_dock.setObjectName("patientsDock")
        self.browser_dock.setWidget(self.browser)
        # Closable, so a small screen can give the editor the whole width: View -> Patients
        # (its toggle is disabled on a dock that cannot close) and Ctrl+F bring it back.
        self.browser_dock.setFeatures(
            QDockWidget.DockWidgetFeature.DockWidgetMovable
            | QDockWidget.DockWidgetFeature.DockWidgetClosable
        )
        self.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, self.browser_dock)

        self.overview = PatientOverview()
        self.editor: ScheduleEditor | None = None
        self.editor_page = QWidget()
        self.editor_layout = QVBoxLayout(self.editor_page)
        self.editor_layout.setContentsMargins(0, 0, 0, 0)
        self.history = HistoryView()
        self.tabs = SteadyTabWidget()
        self.tabs.setObjectName("patientTabs")
        # Mnemonics unique across the menu bar, the tabs and the editor's labels (a test walks
        # them): Alt+P is the Pump menu, so the Programme tab is Alt+R, History Alt+S.
        self.tabs.addTab(self.overview, TAB_TITLES[0])
        self.tabs.addTab(self.editor_page, TAB_TITLES[1])
        self.tabs.addTab(self.history, TAB_TITLES[2])
        # The programmer workflows on the simulated pump: its tab, menu and stopped-pump banner.
        self.pump_workflows = PumpWorkflows(self.session, self)
        self.tabs.addTab(self.pump_workflows.panel, TAB_TITLES[3])
        # Qt's overflow button of the Pump tab's tool bar, named for screen readers.
        for more in self.pump_workflows.panel.findChildren(QToolButton, "qt_toolbar_ext_button"):
            more.setAccessibleName("More pump commands")
        self._connect_pump_workflows()
        self.assessment_workflow = AssessmentWorkflow(self.session, self)  # ui/assessments.py
        self.assessment_workflow.assessments_changed.connect(self.history.set_assessments)
        self.assessment_workflow.status_message.connect(self.statusBar().showMessage)
        self.assessment_workflow.editor_requested.connect(
            lambda: self.tabs.setCurrentWidget(self.editor_page)
        )
        self.visit_workflow = VisitWorkflow(self.session, self, self.pump_workflows)  # ui/visit.py
        self.visit_workflow.status_message.connect(self.statusBar().showMessage)
        self.statusBar().addPermanentWidget(self.visit_workflow.banner)
        # The audit trail and the session report of the open patient.
        self.reports = SessionReports(self.session, self)
        self.reports.status_message.connect(self.statusBar().showMessage)
        welcome = QLabel("Find a patient on the left (Ctrl+F), or create one (Ctrl+N).")
        welcome.setAlignment(Qt.AlignmentFlag.AlignCenter)
        welcome.setObjectName("welcome")
        self.stack = QStackedWidget()
        self.stack.addWidget(welcome)
        self.stack.addWidget(self.tabs)
        # The banner sits above the stack so that a stopped pump shows on every tab.
        central = QWidget()
        central_layout = QVBoxLayout(central)
        central_layout.setContentsMargins(0, 0, 0, 0)
        central_layout.setSpacing(0)
        central_layout.addWidget(self._build_training_banner())  # ui/window_training.py
        central_layout.addWidget(self.pump_workflows.banner)
        central_layout.addWidget(self.pump_workflows.differs_banner)
        # Where the screen is smaller than the editor needs (1280x720, 200 % scaling), the
        # tabs scroll instead of pushing the window off the screen.
        self.stack_scroll = QScrollArea()
        self.stack_scroll.setObjectName("tabsScroll")
        self.stack_scroll.setWidgetResizable(True)
        self.stack_scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.stack_scroll.setWidget(self.stack)
        central_layout.addWidget(self.stack_scroll, 1)
        self.setCentralWidget(central)
        self._build_actions()
        if training_clock is not None:
            self._build_training(training_clock)
        self.focus_frame = install_focus_frame()
        self._update_title()
        self._show_status()
        self._restore_layout()
        self.pump_workflows.refresh_banner()

    # ------------------------------------------------------------ the session's members

    # The window's own names for what the session holds (tests and scripts set some of them).

    db: FromSession[Database] = FromSession()
    clock: FromSession[Callable[[], datetime]] = FromSession()
    user: FromSession[str] = FromSession()
    account: FromSession[User | None] = FromSession()
    prompter: FromSession[WindowPrompter] = FromSession()
    record: FromSession[PatientRecord | None] = FromSession()
    current: FromSession[ProgrammeVersion | None] = FromSession()
    document: FromSession[ProgrammeDocument | None] = FromSession()

    def _connect_pump_workflows(self) -> None:
        """What the pump workflows report upward."""
        workflows = self.pump_workflows
        workflows.open_patient_requested.connect(self.open_patient)
        workflows.panel_requested.connect(lambda: self.tabs.setCurrentWidget(workflows.panel))
        workflows.editor_field_requested.connect(self._show_editor_field)
        workflows.state_changed.connect(self.pump_state_changed)
        workflows.pump_alerts_changed.connect(self.overview.set_pump_alerts)
        workflows.status_message.connect(self.statusBar().showMessage)

    def _show_editor_field(self, field: str) -> None:
        self.tabs.setCurrentWidget(self.editor_page)
        if self.editor is not None:
            self.editor.focus_field(field)

    # ------------------------------------------------------------ actions and menus
    # (built by WindowMenus, ui/window_menus.py; administration in WindowAdministration,
    # ui/window_admin.py; the Help menu's screens in WindowHelp, ui/window_help.py; who is at
    # the keyboard in WindowUser, ui/window_user.py; training mode in WindowTraining,
    # ui/window_training.py)

    # ------------------------------------------------------------ catheter, worklist, tabs

    def edit_catheter(self) -> bool:
        """Pump -> Implanted catheter (ui/record_edit.py)."""
        from ui.record_edit import edit_catheter

        return edit_catheter(self)

    def edit_patient_record(self) -> bool:
        """File -> Edit patient record (ui/record_edit.py)."""
        from ui.record_edit import edit_patient_record

        return edit_patient_record(self)

    def edit_pump_record(self) -> bool:
        """Pump -> Edit pump record (ui/record_edit.py)."""
        from ui.record_edit import edit_pump_record

        return edit_pump_record(self)

    def _open_from_worklist(self, patient_id: str) -> None:
        if self.open_patient(patient_id):
            self.activateWindow()

    def show_worklist(self) -> WorklistWindow:
        """The clinic's worklist in a window of its own; opening a row opens the patient here."""
        from ui.worklist import WorklistWindow

        if self.worklist_window is None:
            self.worklist_window = WorklistWindow(
                self.db, clock=self.clock, prompter=self.prompter, parent=self
            )
            self.worklist_window.patient_chosen.connect(self._open_from_worklist)
        self.worklist_window.refresh()
        self.worklist_window.show()
        self.worklist_window.activateWindow()
        return self.worklist_window

    def show_tab(self, index: int) -> None:
        """Ctrl+1..4: the tab, with the focus in its main control (the schedule on the
        Programme tab, the versions on History, the first control of the others)."""
        if self.record is None:
            return
        self.tabs.setCurrentIndex(index)
        page = self.tabs.widget(index)
        if page is None:
            return
        target = self._main_control(page)
        target.setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _main_control(self, page: QWidget) -> QWidget:
        if page is self.editor_page and self.editor is not None:
            return self.editor.table
        if page is self.history:
            return self.history.table
        widget = page.nextInFocusChain()
        while widget is not page and widget is not None:
            if (
                page.isAncestorOf(widget)
                and widget.isVisible()
                and widget.isEnabled()
                and widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            ):
                return widget
            widget = widget.nextInFocusChain()
        return self.tabs.tabBar()

    def _show_field(self, field: str) -> None:
        """A finding about what the editor does not hold (reservoir, pump, drug, patient) was
        activated: the overview, with the focus on that value."""
        value = self.overview.value_for_field(field)
        if self.record is not None and value is not None:
            self.tabs.setCurrentWidget(self.overview)
            value.setFocus(Qt.FocusReason.OtherFocusReason)
            value.setSelection(0, len(value.text()))  # where the eye lands

    def save_blocked_because(self) -> str | None:
        """Why the pending programme cannot be saved now, or None when it can."""
        if self.document is None or self.record is None:
            return "No patient is open."
        if self.document.result.hard:
            return "A hard finding blocks saving: change the programme first."
        if self.current is not None and not self.document.is_modified:
            return "Nothing has changed since the saved version."
        return None

    # ------------------------------------------------------------ the open patient

    def open_patient(self, patient_id: str) -> bool:
        """Open ``patient_id`` (asking first about unsaved changes of the one open)."""
        if self.record is not None and patient_id == self.record.patient.id:
            self.stack.setCurrentWidget(self.tabs)
            return True
        if not self._settle_unsaved():
            return False
        try:
            record = self.db.patient(patient_id)
            current = self.db.current_version(patient_id)
            versions = self.db.versions(patient_id)
            # The save's own check context: the active drug library, the confirmed compounded
            # products, the programme history (Database.check_context).
            context = self.db.check_context(patient_id, self.clock())
            self.db.mark_opened(patient_id, self.clock())
        except DatabaseError as exc:
            self.prompter.warn("Cannot open the patient", str(exc))
            return False
        self.record, self.current = record, current
        self.session.context = context
        # A corrected patient or pump record goes into the pending programme (issue 12).
        pending = with_record(current.programme, record) if current else None
        pending = self._first_programme(record) if pending is None else pending
        if pending is None:
            self.prompter.warn("No pump", f"{record.patient.name} has no pump recorded.")
        self._load_document(pending, current.programme if current else None, context=context)
        self.overview.show_patient(record, current, self.clock(), context)
        self.history.set_versions(versions)
        self._show_dose_history(versions)
        self.stack.setCurrentWidget(self.tabs)
        self.tabs.setCurrentIndex(0)
        self._set_patient_actions(True)
        self.pump_workflows.patient_opened()
        self.assessment_workflow.patient_opened()
        self.visit_workflow.patient_opened()
        self._update_title()
        self.browser.open_patient_id = record.patient.id
        self.browser.refresh()
        return True

    def _first_programme(self, record: PatientRecord) -> Programme | None:
        """A stopped programme to start from for a patient without one."""
        if record.pump is None:
            return None
        pump = record.pump
        drug, reservoir = self._seeds.get(record.patient.id) or self._default_fill()
        return Programme(
            patient=record.patient,
            pump=pump.to_pump(),
            drug=drug,
            reservoir=reservoir,
            mode=Mode.STOPPED,
        )

    def _default_fill(self) -> tuple[DrugFill, Reservoir]:
        drug = next(iter(self.db.library.drugs.values()))
        return (
            DrugFill(drug.name, drug.concentrations_mcg_per_ml[0]),
            Reservoir(Decimal(0), self.clock()),
        )

    def _load_document(
        self,
        pending: Programme | None,
        current: Programme | None,
        *,
        context: CheckContext,
    ) -> None:
        if pending is None:
            return
        if self.document is None:
            # The editor loads with the first patient opened, not at start-up.
            from ui.editor.document import ProgrammeDocument
            from ui.editor.schedule_editor import ScheduleEditor

            self.document = ProgrammeDocument(
                pending,
                now=self.clock(),
                context=context.with_current(current),
                parent=self,
            )
            self.document.modified_changed.connect(lambda _m: self._update_title())
            self.document.changed.connect(lambda _r: self._update_save_action())
            self.editor = ScheduleEditor(self.document, prompter=self.prompter)
            self.editor.field_requested.connect(self._show_field)
            self.editor_layout.addWidget(self.editor)
            actions = self.editor.editor_actions()
            self.edit_menu.addActions(actions[:2])
            self.edit_menu.addSeparator()
            self.edit_menu.addActions(actions[2:])
        else:
            self.document.set_context(context)
            self.document.set_now(self.clock())
            self.document.load(pending, current)
            if self.editor is not None:
                self.editor.clear_message()

    def _show_dose_history(self, versions: list[ProgrammeVersion]) -> None:
        points = [(v.saved_at, v.daily_dose_mcg) for v in versions if v.confirmed]
        self.history.dose_plot.set_points(points)
        if self.editor is not None:
            self.editor.set_dose_history(points)

    def close_patient(self) -> bool:
        if not self._settle_unsaved():
            return False
        self.record = self.current = self.session.context = None
        self.stack.setCurrentIndex(0)
        self._set_patient_actions(False)
        if self.document is not None:
            self.document.undo_stack.clear()
        self.pump_workflows.patient_closed()
        self._update_title()
        self.browser.open_patient_id = None
        return True

    def revert(self) -> None:
        """Back to the saved programme (the edits stay on the redo stack)."""
        if self.document is None or not self.document.is_modified:
            return
        if not self.prompter.confirm("Revert", "Discard every unsaved change to this programme?"):
            return
        stack = self.document.undo_stack
        if stack.cleanIndex() >= 0:
            stack.setIndex(stack.cleanIndex())
        elif self.current is not None:
            self.document.load(self.current.programme, self.current.programme)

    # ------------------------------------------------------------ saving

    def review_and_save(self) -> bool:
        """Review current vs pending, collect the reasons, save a new version. True if saved."""
        if self.document is None or self.record is None:
            return False
        document = self.document
        document.set_now(self.clock())
        why = self.save_blocked_because()
        if why is not None:
            self.prompter.warn("Cannot save", why)
            return False
        result = document.result
        previous = self.current  # what the pump was last given, for the transmission offer
        current_title = f"Current (version {self.current.number})" if self.current else "Current"
        review = self.prompter.review(document.current, document.pending, result, current_title)
        if review is None:
            return False
        try:
            saved = self.db.save_programme(
                document.pending,
                base_version=self.current.number if self.current else None,
                user=self.user,
                reason=review.reason,
                acknowledgements=review.acknowledgements,
                now=self.clock(),
            )
        except ConflictError as exc:
            return self._resolve_conflict(exc)
        except (HardFindingError, MissingAcknowledgementError) as exc:
            self.prompter.warn("Not saved", str(exc))
            return False
        except DatabaseError as exc:
            self.prompter.warn("Not saved", f"The database refused the save: {exc}")
            return False
        self.current = saved
        document.mark_saved(saved.programme)
        self._after_save()
        self.statusBar().showMessage(
            f"Saved version {saved.number} at {saved.saved_at:%H:%M}.", 10000
        )
        self.visit_workflow.offer_transmit(saved, previous)  # the review first, in a visit
        return True

    def _after_save(self) -> None:
        assert self.record is not None
        pid = self.record.patient.id
        self.record = self.db.patient(pid)
        now = self.clock()
        context = self.db.check_context(pid, now)
        self.session.context = context
        if self.document is not None:  # the new history: the next check is made against it
            self.document.set_context(context)
        versions = self.db.versions(pid)
        self.overview.show_patient(self.record, self.current, now, context)
        self.history.set_versions(versions)
        self._show_dose_history(versions)
        self.browser.refresh()
        self._update_title()

    def _resolve_conflict(self, exc: ConflictError) -> bool:
        """Another window saved first: its version becomes the one compared with, these edits are
        kept (still unsaved), and the clinician reviews them again on top of it."""
        latest = exc.latest
        assert self.document is not None
        self.current = latest
        self.document.rebase(latest.programme)
        self._after_save()
        again = self.prompter.confirm(
            "Saved elsewhere meanwhile",
            f"Version {latest.number} was saved by {latest.saved_by} at "
            f"{latest.saved_at:%Y-%m-%d %H:%M} after you opened this patient "
            f"(reason: {latest.reason}).\n\nNothing of yours was saved and your changes are kept. "
            f"They are now compared with version {latest.number}: review and save them again?",
        )
        return self.review_and_save() if again else False

    # ------------------------------------------------------------ window

    def new_patient(self) -> None:
        if not self._settle_unsaved():
            return
        value: NewPatient | None = self.prompter.new_patient(
            self.clock(), library=self.db.library, catalogue=self.db.catalogue
        )
        if value is None:
            return
        try:
            self.db.create_patient(
                value.patient,
                value.pump,
                diagnosis=value.diagnosis,
                user=self.user,
                now=self.clock(),
            )
        except DatabaseError as exc:
            self.prompter.warn("Patient not created", str(exc))
            return
        self._seeds[value.patient.id] = (value.drug, value.reservoir)
        self.browser.refresh()
        if self.open_patient(value.patient.id):
            self.tabs.setCurrentIndex(1)

    def is_modified(self) -> bool:
        return self.session.is_modified()

    def _settle_unsaved(self) -> bool:
        """True when it is fine to leave the open programme (saved, discarded, or unchanged)."""
        if not self.is_modified():
            return True
        assert self.record is not None
        answer = self.prompter.unsaved_changes(
            f"The programme of {self.record.patient.name} has unsaved changes."
        )
        if answer is Unsaved.SAVE:
            return self.review_and_save()
        if answer is Unsaved.DISCARD:
            if self.document is not None:
                self.document.undo_stack.clear()
            return True
        return False

    def pump_state_changed(self) -> None:
        """The pump's state changed: the Pump tab's name and the title say a stopped pump."""
        index = self.tabs.indexOf(self.pump_workflows.panel)
        if index >= 0:
            stopped = self.pump_workflows.stopped_here()
            self.tabs.setTabText(index, "P&ump — STOPPED" if stopped else "P&ump")
        self._update_title()

    def _update_title(self) -> None:
        self._update_save_action()
        stopped = self.pump_workflows.title_prefix()
        if self.training_clock is not None:
            stopped = f"TRAINING — {stopped}"
        if self.record is None:
            self.setWindowTitle(f"{stopped}{TITLE}")
            self.setWindowModified(False)
            return
        p = self.record.patient
        self.setWindowTitle(f"{stopped}{p.name} ({p.id})[*] — {TITLE}")
        self.setWindowModified(self.is_modified())

    # ------------------------------------------------------------ audit trail and report

    def show_audit_trail(self) -> None:
        self.reports.show_audit_trail()

    @property
    def audit_viewer(self) -> QWidget | None:
        """The audit trail last opened from this window (None: not yet)."""
        return self.reports.audit_viewer

    def save_report(self) -> bool:
        """The current version's session report as a PDF file the clinician names."""
        return self.reports.save_report()

    def export_fhir(self) -> bool:
        """The open patient's record as a FHIR R4 bundle file the clinician names."""
        return self.reports.export_fhir()

    def print_report(self) -> bool:
        return self.reports.print_report()

    def _restore_layout(self) -> None:
        geometry = self.settings.value("window/geometry")
        state = self.settings.value("window/state")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
            if not available_area(self).contains(self.geometry()):
                # Saved on a larger screen (or before scaling went up): shrunk to this one.
                fit_to_screen(self, self.size())
        else:
            fit_to_screen(self, QSize(1280, 800))
            # On a narrow screen (1280 px at 150 %, 1920 px at 200 %) the editor needs the
            # width more than the browser, which then starts at a quarter of the window.
            self.resizeDocks(
                [self.browser_dock],
                [max(browser_widths.MIN_WIDTH, min(browser_widths.WIDTH, self.width() // 4))],
                Qt.Orientation.Horizontal,
            )
        if isinstance(state, QByteArray) and not state.isEmpty():
            self.restoreState(state)

    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._settle_unsaved():
            event.ignore()
            return
        if self.idle_lock is not None:
            self.idle_lock.stop()
        self.settings.setValue("window/geometry", self.saveGeometry())
        self.settings.setValue("window/state", self.saveState())
        self.settings.sync()
        event.accept()
