"""The main window's actions and menus (File, Edit, View, Pump, Help), the keys that trigger them,
and which of them a patient must be open for. A part of :class:`ui.main_window.MainWindow`
(it inherits them); it names below what of the window the actions call, and never imports it.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QDialog

from ui.widgets.actions import named_action
from ui.window_part import WindowPart

if TYPE_CHECKING:
    from PySide6.QtWidgets import QDockWidget

    from ui.assessments import AssessmentWorkflow
    from ui.help import HelpWindow
    from ui.patient_browser import PatientBrowser
    from ui.pump.workflows import PumpWorkflows
    from ui.session import PatientSession
    from ui.training import SimulatedClock
    from ui.users_screen import UsersDialog
    from ui.visit import VisitWorkflow
    from ui.worklist import WorklistWindow


TAB_TITLES = ("&Overview", "P&rogramme", "Hi&story", "P&ump")
# The Pump menu's keys (the workflows' own: Ctrl+I interrogates).
PUMP_SHORTCUTS = {
    "refill": "Ctrl+R",
    "singleBolus": "Ctrl+B",
    "bridgeBolus": "Ctrl+Shift+B",
    "primingBolus": "Ctrl+Alt+B",
    "transmit": "Ctrl+T",
}


class WindowMenus(WindowPart):
    """The menus of the window that inherits them (with QMainWindow after it)."""

    if TYPE_CHECKING:
        # What the actions call: the window's own members.
        browser: PatientBrowser
        browser_dock: QDockWidget
        pump_workflows: PumpWorkflows
        assessment_workflow: AssessmentWorkflow
        visit_workflow: VisitWorkflow
        session: PatientSession
        training_clock: SimulatedClock | None

        def new_patient(self) -> None: ...
        def review_and_save(self) -> bool: ...
        def revert(self) -> None: ...
        def close_patient(self) -> bool: ...
        def save_report(self) -> bool: ...
        def print_report(self) -> bool: ...
        def show_audit_trail(self) -> None: ...
        def lock_screen(self) -> None: ...
        def open_training_mode(self) -> bool: ...
        def show_tab(self, index: int) -> None: ...
        def save_blocked_because(self) -> str | None: ...
        def export_fhir(self) -> bool: ...
        def show_users(self) -> UsersDialog | None: ...
        def edit_clinic_settings(self) -> bool: ...
        def new_database(self) -> bool: ...
        def show_worklist(self) -> WorklistWindow: ...
        def edit_catheter(self) -> bool: ...
        def edit_patient_record(self) -> bool: ...
        def edit_pump_record(self) -> bool: ...
        def show_help(self, section: str | None = None) -> HelpWindow: ...
        def show_shortcuts(self) -> None: ...
        def show_about(self) -> None: ...

    def find_patient(self) -> None:
        """The search field of the patient browser, shown again if it was hidden (View ->
        Patients: on a small screen the editor may take the whole width)."""
        self.browser_dock.show()
        self.browser_dock.raise_()
        self.browser.focus_search()

    def _action(
        self,
        text: str,
        shortcut: QKeySequence | QKeySequence.StandardKey | str | None,
        slot: Callable[[], object],
        name: str,
    ) -> QAction:
        return named_action(self, text, slot, name, shortcut)

    def _build_actions(self) -> None:
        self.find_action = self._action(
            "&Find patient…",
            QKeySequence.StandardKey.Find,
            self.find_patient,
            "findPatient",
        )
        self.new_action = self._action(
            "&New patient…", QKeySequence.StandardKey.New, self.new_patient, "newPatient"
        )
        self.save_action = self._action(
            "&Review and save…",
            QKeySequence.StandardKey.Save,
            self.review_and_save,
            "reviewAndSave",
        )
        self.revert_action = self._action("Re&vert to saved", None, self.revert, "revert")
        self.close_patient_action = self._action(
            "&Close patient", "Ctrl+W", self.close_patient, "closePatient"
        )
        self.quit_action = self._action("&Quit", QKeySequence.StandardKey.Quit, self.close, "quit")
        self.patient_record_action = self._action(  # issue 12: ui/record_edit.py
            "Edit pat&ient record…", None, self.edit_patient_record, "editPatientRecord"
        )
        file_menu = self.menuBar().addMenu("&File")
        for action in (
            self.find_action,
            self.new_action,
            self.patient_record_action,
            self.save_action,
            self.revert_action,
            self.close_patient_action,
        ):
            file_menu.addAction(action)
        self.report_pdf_action = self._action(
            "Session report as P&DF…", "Ctrl+Shift+R", self.save_report, "reportPdf"
        )
        self.report_print_action = self._action(
            "&Print session report…",
            QKeySequence.StandardKey.Print,
            self.print_report,
            "reportPrint",
        )
        self.fhir_action = self._action(
            "E&xport FHIR bundle…", None, self.export_fhir, "exportFhir"
        )
        self.audit_action = self._action(
            "&Audit trail…", "Ctrl+Shift+A", self.show_audit_trail, "auditTrail"
        )
        self.lock_action = self._action("&Lock screen", "Ctrl+L", self.lock_screen, "lockScreen")
        self.training_mode_action = self._action(
            "Open &training mode (separate window)…",
            None,
            self.open_training_mode,
            "openTrainingMode",
        )
        file_menu.addSeparator()
        for action in (self.report_pdf_action, self.report_print_action, self.fhir_action):
            file_menu.addAction(action)
        self.users_action = self._action("&Users…", None, self.show_users, "userAccounts")
        self.clinic_settings_action = self._action(
            "Clinic settin&gs…", None, self.edit_clinic_settings, "clinicSettings"
        )
        self.new_database_action = self._action(
            "New data&base…", None, self.new_database, "newDatabase"
        )
        file_menu.addSeparator()
        file_menu.addAction(self.audit_action)
        file_menu.addAction(self.users_action)
        file_menu.addAction(self.clinic_settings_action)
        file_menu.addAction(self.lock_action)
        if self.training_clock is None:
            file_menu.addAction(self.new_database_action)
            file_menu.addAction(self.training_mode_action)
        file_menu.addSeparator()
        file_menu.addAction(self.quit_action)
        self.edit_menu = self.menuBar().addMenu("&Edit")
        view_menu = self.menuBar().addMenu("&View")
        for i, (text, name) in enumerate(
            zip(
                TAB_TITLES,
                ("showOverview", "showProgramme", "showHistory", "showPump"),
                strict=True,
            )
        ):
            view_menu.addAction(
                self._action(text, f"Ctrl+{i + 1}", partial(self.show_tab, i), name)
            )
        view_menu.addSeparator()
        view_menu.addAction(
            self._action("&Worklist…", "Ctrl+Shift+L", self.show_worklist, "showWorklist")
        )
        view_menu.addAction(self.browser_dock.toggleViewAction())
        pump_menu = self.menuBar().addMenu("&Pump")
        for action in self.pump_workflows.actions:
            keys = PUMP_SHORTCUTS.get(action.objectName())
            if keys is not None:
                action.setShortcut(QKeySequence(keys))
        for i, action in enumerate(self.pump_workflows.actions):
            if action is self.pump_workflows.transmit_action or i == 2:
                pump_menu.addSeparator()
            pump_menu.addAction(action)
        pump_menu.addSeparator()
        pump_menu.addActions(self.assessment_workflow.actions)
        pump_menu.addSeparator()
        pump_menu.addActions(self.visit_workflow.actions)
        self.catheter_action = self._action(
            "Implanted &catheter…", None, self.edit_catheter, "editCatheter"
        )
        self.pump_record_action = self._action(
            "Edit pu&mp record…", None, self.edit_pump_record, "editPumpRecord"
        )
        pump_menu.addSeparator()
        pump_menu.addAction(self.pump_record_action)
        pump_menu.addAction(self.catheter_action)
        self._build_help_menu()
        self._set_patient_actions(False)
        self._update_administration()

    def _update_administration(self) -> None:
        """The user screen is for administrators only (the database checks it again); the
        clinic settings are shown to everyone, changed by administrators only."""
        admin = self.session.account is not None and self.session.account.is_administrator
        self.users_action.setVisible(admin)
        self.users_action.setEnabled(admin)
        self._update_administration_actions()

    def _build_help_menu(self) -> None:
        self.help_window: HelpWindow | None = None
        self.text_dialog: QDialog | None = None
        self.manual_action = self._action(
            "&User manual", QKeySequence.StandardKey.HelpContents, self.show_help, "userManual"
        )
        self.shortcuts_action = self._action(
            "&Keyboard shortcuts…", None, self.show_shortcuts, "keyboardShortcuts"
        )
        self.about_action = self._action("&About…", None, self.show_about, "about")
        help_menu = self.menuBar().addMenu("&Help")
        help_menu.addActions([self.manual_action, self.shortcuts_action, self.about_action])

    def _update_administration_actions(self) -> None:
        from db.users import Role

        admin = self.session.account is not None and self.session.account.role is Role.ADMINISTRATOR
        self.clinic_settings_action.setEnabled(admin)
        self.clinic_settings_action.setToolTip(
            "" if admin else "Only an administrator changes the clinic settings."
        )

    def _set_patient_actions(self, enabled: bool) -> None:
        for action in (
            self.revert_action,
            self.close_patient_action,
            self.report_pdf_action,
            self.report_print_action,
            self.catheter_action,
            self.patient_record_action,
            self.pump_record_action,
            self.fhir_action,
        ):
            action.setEnabled(enabled)
        self.pump_workflows.set_enabled(enabled)
        self.assessment_workflow.set_enabled(enabled)
        self.visit_workflow.set_enabled(enabled)
        self._update_save_action()

    def _update_save_action(self) -> None:
        why = self.save_blocked_because()
        self.save_action.setEnabled(why is None)
        self.save_action.setStatusTip(why or "Review the changes and save a new version")
        self.save_action.setToolTip(why or "Review and save (Ctrl+S)")
