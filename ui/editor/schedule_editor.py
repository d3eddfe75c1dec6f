"""The schedule editor (product.md, "Schedule editor"): mode, the steps of a flexible day or the
simple daily dose, planned and patient boluses, the 24-h total always in view, the findings
beside the table and the plots under it.

The widget holds no programme state of its own: it shows the :class:`ProgrammeDocument` and
turns each user action into one :meth:`ProgrammeDocument.edit`. Every action is a QAction with a
shortcut, exposed for the main window's menus (:meth:`ScheduleEditor.editor_actions`).
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from datetime import datetime
from functools import partial
from itertools import pairwise

import shiboken6
from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QAction, QKeySequence, QResizeEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from programmer import schedule_edit as se
from programmer.finding import Finding, Severity
from programmer.findings import CheckResult
from programmer.programme import EVERY_DAY, WEEKDAYS, Mode, Programme
from programmer.units import RateUnit
from programmer.words import MODE_LABELS, MODE_NAMES, day_label
from ui.dialogs import ScaleAssessment, signed_percent
from ui.editor.bolus_editor import BolusEditor
from ui.editor.document import ProgrammeDocument
from ui.editor.editor_layout import EditorLayout
from ui.editor.findings_panel import FindingsPanel
from ui.editor.mode_pages import DailyDosePage, OtherModePage
from ui.editor.plot_tabs import PlotTabs
from ui.editor.scale_preview import assess_scaled
from ui.editor.schedule_model import Column, ScheduleTableModel
from ui.editor.totals_box import TotalsBox
from ui.prompter import Prompter
from ui.theme import severity_style
from ui.widgets.entry import (
    format_fixed,
    format_plain,
)
from ui.widgets.plots import DoseValue
from ui.widgets.restyle import restyle

WEEKDAY_LABELS = tuple(day_label(d) for d in WEEKDAYS)
_PAGE_FLEXIBLE, _PAGE_SIMPLE, _PAGE_OTHER = 0, 1, 2


def _mode_words(programme: Programme) -> str:
    return MODE_NAMES[programme.mode]


class ScheduleEditor(QWidget):
    """The editor of one :class:`ProgrammeDocument`.

    ``field_requested(str)``: a finding about something this editor does not edit (reservoir,
    pump, drug) was activated; the main window may open the place to change it.
    """

    field_requested = Signal(str)

    def __init__(
        self,
        document: ProgrammeDocument,
        *,
        prompter: Prompter | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.prompter = prompter or Prompter(self)
        self.model = ScheduleTableModel(document, self)
        self._build_header()
        self._build_schedule()
        self.boluses_box = BolusEditor(document)
        self.findings_panel = FindingsPanel()
        self.findings_panel.setMinimumWidth(300)
        self.plot_tabs = PlotTabs(document, self.model)
        self._name_parts()
        self._build_actions()
        self._lay_out()
        self._set_tab_order()
        self.model.entry_rejected.connect(self._show_rejection)
        self.model.entry_accepted.connect(self._show_acceptance)
        self.model.entry_inexact.connect(self._offer_nearest_rate)
        self.boluses_box.rejected.connect(self._show_rejection)
        self.boluses_box.accepted.connect(self._show_acceptance)
        self.daily_dose_page.rejected.connect(self._show_rejection)
        self.daily_dose_page.accepted.connect(self._show_acceptance)
        self.findings_panel.finding_activated.connect(self._go_to_finding)
        document.changed.connect(self._on_changed)
        self._on_changed(document.result)

    # ================================================================ construction

    def _build_header(self) -> None:
        self.mode_combo = QComboBox()
        for mode, label in MODE_LABELS:
            self.mode_combo.addItem(label, mode)
        self.mode_combo.setAccessibleName("Infusion mode")
        self.mode_combo.activated.connect(self._on_mode_chosen)
        self.day_combo = QComboBox()
        self.day_combo.setAccessibleName("Day shown")
        self.day_combo.setMinimumContentsLength(10)
        self.day_combo.activated.connect(self._on_day_chosen)
        self.same_day_check = QCheckBox("Same every day")
        self.same_day_check.setAccessibleName("Same schedule every day")
        self.same_day_check.clicked.connect(self._on_same_day_clicked)
        self.unit_combo = QComboBox()
        for unit in (RateUnit.MCG_PER_H, RateUnit.MCG_PER_DAY, RateUnit.ML_PER_DAY):
            self.unit_combo.addItem(unit.value, unit)
        self.unit_combo.setAccessibleName("Rate entry unit")
        self.unit_combo.setToolTip(
            "The unit rates are shown and typed in. A value typed with its unit "
            "(e.g. '60 mcg/day') is read in that unit."
        )
        self.unit_combo.currentIndexChanged.connect(self._on_unit_chosen)
        self.drug_label = QLabel()
        self.drug_label.setAccessibleName("Drug and concentration")
        self.total_box = TotalsBox(self.document, self.model)

    def _build_schedule(self) -> None:
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Steps of the day")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(
            QAbstractItemView.EditTrigger.AnyKeyPressed
            | QAbstractItemView.EditTrigger.DoubleClicked
            | QAbstractItemView.EditTrigger.EditKeyPressed
        )
        self.table.setTabKeyNavigation(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.Stretch)
        self.table.verticalHeader().setDefaultSectionSize(26)
        self.table.setMinimumHeight(200)
        self.message_label = QLabel()
        self.message_label.setWordWrap(True)
        self.message_label.setAccessibleName("Entry message")
        self.message_label.setMinimumHeight(34)
        self.message_label.setAlignment(Qt.AlignmentFlag.AlignTop)

        self.daily_dose_page = DailyDosePage(self.document, self.prompter)
        self.other_mode_page = OtherModePage(self.document)
        self.stack = QStackedWidget()
        flexible_page = QWidget()
        flexible_layout = QVBoxLayout(flexible_page)
        flexible_layout.setContentsMargins(0, 0, 0, 0)
        flexible_layout.addWidget(self.table, 1)
        self.step_buttons = QHBoxLayout()
        flexible_layout.addLayout(self.step_buttons)
        self.stack.addWidget(flexible_page)
        self.stack.addWidget(self.daily_dose_page)
        self.stack.addWidget(self.other_mode_page)

    def _action(
        self,
        text: str,
        shortcut: QKeySequence | str,
        slot: object | None,
        tip: str,
        *,
        widget: QWidget | None = None,
    ) -> QAction:
        action = QAction(text, self)
        action.setShortcut(QKeySequence(shortcut))
        action.setToolTip(f"{tip} ({QKeySequence(shortcut).toString()})")
        action.setStatusTip(tip)
        if slot is not None:
            action.triggered.connect(slot)
        # Step actions act on the table's selected step, so their keys work where the table is;
        # Delete in another field must not delete a step.
        action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        (widget or self).addAction(action)
        return action

    def _build_actions(self) -> None:
        self.add_step_action = self._action(
            "Add step",
            "Ctrl+Shift+N",
            self.add_step,
            "Add a step halfway through the selected one, at its rate",
            widget=self.table,
        )
        self.split_step_action = self._action(
            "Split step…",
            "Ctrl+Shift+S",
            self.split_step,
            "Split the selected step at a time you choose",
            widget=self.table,
        )
        self.delete_step_action = self._action(
            "Delete step",
            QKeySequence(Qt.Key.Key_Delete),
            self.delete_step,
            "Delete the selected step (its time goes to the step before)",
            widget=self.table,
        )
        self.scale_action = self._action(
            "Change all rates by %…",
            "Ctrl+Shift+P",
            self.scale_all,
            "Change every rate by the same percentage (+10 %, -20 %), with a preview of the "
            "new 24-h total and its findings",
        )
        self.copy_day_action = self._action(
            "Copy day to…",
            "Ctrl+Shift+C",
            self.copy_day,
            "Copy the shown day's steps to other weekdays",
        )
        self.week_view_action = self._action(
            "Show the week",
            "Ctrl+Shift+W",
            None,  # checkable: its toggled signal switches the plot (see _lay_out)
            "Plot the whole week instead of the shown day",
        )
        self.week_view_action.setCheckable(True)
        # Our own undo and redo actions rather than QUndoStack's: theirs show one text per
        # command for both, so undo could not name the value it restores (issue 9).
        stack = self.document.undo_stack
        self.undo_action = QAction("Undo", self)
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.undo_action.triggered.connect(self._undo)
        self.redo_action = QAction("Redo", self)
        self.redo_action.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
        self.redo_action.triggered.connect(self._redo)
        for action in (self.undo_action, self.redo_action):
            action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
            self.addAction(action)
        stack.indexChanged.connect(self._update_undo_actions)
        stack.cleanChanged.connect(self._update_undo_actions)
        self.document.loaded.connect(self.clear_message)
        self._update_undo_actions()
        for action in (
            self.add_step_action,
            self.split_step_action,
            self.delete_step_action,
            self.scale_action,
            self.copy_day_action,
        ):
            button = QToolButton()
            button.setDefaultAction(action)
            button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
            button.setAccessibleName(action.text().rstrip("…"))
            self.step_buttons.addWidget(button)
        self.step_buttons.addStretch(1)

    def editor_actions(self) -> list[QAction]:
        """The editor's actions, for the main window's menus and toolbars (the same objects:
        their shortcuts are already bound; do not make second ones with the same keys)."""
        return [
            self.undo_action,
            self.redo_action,
            self.add_step_action,
            self.split_step_action,
            self.delete_step_action,
            self.scale_action,
            self.copy_day_action,
            self.week_view_action,
        ]

    def _lay_out(self) -> None:
        self.arrangement = EditorLayout(
            self,
            header=(self.mode_combo, self.day_combo, self.same_day_check, self.unit_combo),
            drug_label=self.drug_label,
            total_box=self.total_box,
            schedule=(self.stack, self.message_label),
            findings=self.findings_panel,
            plots=self.plot_tabs,
            boluses=self.boluses_box,
        )
        self.splitter = self.arrangement.body
        # The menu's "Show the week" and the plot's check box are one switch (the box redraws).
        self.week_check.toggled.connect(self.week_view_action.setChecked)
        self.week_view_action.toggled.connect(self.week_check.setChecked)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self.arrangement.fit(event.size().width())

    def _name_parts(self) -> None:
        """The parts' widgets under the editor's own names (the tests and the bench use them)."""
        totals, plots, boluses = self.total_box, self.plot_tabs, self.boluses_box
        self.total_caption, self.total_label = totals.total_caption, totals.total_label
        self.total_detail, self.change_label = totals.total_detail, totals.change_label
        self.rate_plot, self.reservoir_plot = plots.rate_plot, plots.reservoir_plot
        self.dose_history_plot, self.week_check = plots.dose_history_plot, plots.week_check
        self.bolus_model, self.bolus_table = boluses.bolus_model, boluses.bolus_table
        self.new_bolus_start = boluses.new_bolus_start
        self.new_bolus_dose = boluses.new_bolus_dose
        self.new_bolus_duration = boluses.new_bolus_duration
        self.add_bolus_button = boluses.add_bolus_button
        self.remove_bolus_button = boluses.remove_bolus_button
        self.pb_enabled, self.pb_dose = boluses.pb_enabled, boluses.pb_dose
        self.pb_duration, self.pb_lockout = boluses.pb_duration, boluses.pb_lockout
        self.pb_max, self.pb_set_button = boluses.pb_max, boluses.pb_set_button
        self.worst_case_label = boluses.worst_case_label
        dose = self.daily_dose_page
        self.dose_edit, self.dose_unit_label = dose.dose_edit, dose.dose_unit_label
        self.dose_equivalents, self.dose_set_button = dose.dose_equivalents, dose.dose_set_button
        self.other_mode_label = self.other_mode_page.other_mode_label

    def _set_tab_order(self) -> None:
        chain: list[QWidget] = [
            self.mode_combo,
            self.day_combo,
            self.same_day_check,
            self.unit_combo,
            self.table,
            self.dose_edit,
            self.dose_set_button,
            self.findings_panel.view,
            self.plot_tabs,
            self.week_check,
            self.bolus_table,
            self.new_bolus_start,
            self.new_bolus_dose,
            self.new_bolus_duration,
            self.add_bolus_button,
            self.remove_bolus_button,
            self.pb_enabled,
            self.pb_dose,
            self.pb_duration,
            self.pb_lockout,
            self.pb_max,
            self.pb_set_button,
        ]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)

    # ================================================================ showing the document

    @property
    def unit(self) -> RateUnit:
        # Qt hands a StrEnum back as its plain string.
        return RateUnit(self.unit_combo.currentData())

    def _on_changed(self, result: CheckResult) -> None:
        pending = self.document.pending
        self._sync_mode_and_days()
        conc = format_fixed(pending.drug.concentration_mcg_per_ml, 0)
        self.drug_label.setText(
            f"{pending.drug.name.capitalize()} {conc} mcg/mL · {self.document.pump.display_name}"
        )
        self.total_box.show_totals(result)
        self._sync_simple_and_other()
        self.boluses_box.sync()
        self.findings_panel.set_findings(result.findings)
        self._update_actions()
        self.plot_tabs.refresh()

    def _sync_mode_and_days(self) -> None:
        pending = self.document.pending
        self.mode_combo.setCurrentIndex(self.mode_combo.findData(pending.mode))
        week = pending.week
        flexible = pending.mode is Mode.FLEXIBLE and week is not None
        same = bool(week and week.same_every_day)
        wanted = (
            [(EVERY_DAY, "Every day")]
            if (same or not flexible)
            else list(zip(WEEKDAYS, WEEKDAY_LABELS, strict=True))
        )
        present = [self.day_combo.itemData(i) for i in range(self.day_combo.count())]
        if present != [key for key, _ in wanted]:
            self.day_combo.clear()
            for key, label in wanted:
                self.day_combo.addItem(label, key)
        self.day_combo.setCurrentIndex(max(0, self.day_combo.findData(self.model.day)))
        self.day_combo.setEnabled(flexible and not same)
        self.same_day_check.setChecked(same)
        self.same_day_check.setEnabled(flexible)
        self.stack.setCurrentIndex(
            _PAGE_FLEXIBLE
            if flexible
            else _PAGE_SIMPLE
            if pending.mode is Mode.SIMPLE_CONTINUOUS
            else _PAGE_OTHER
        )

    def _sync_simple_and_other(self) -> None:
        self.daily_dose_page.sync()
        self.other_mode_page.sync()

    def _update_actions(self) -> None:
        pending = self.document.pending
        flexible = pending.mode is Mode.FLEXIBLE and pending.week is not None
        rows = self.model.rowCount()
        self.add_step_action.setEnabled(flexible and rows > 0)
        self.split_step_action.setEnabled(flexible and rows > 0)
        self.delete_step_action.setEnabled(flexible and rows > 1)
        self.scale_action.setEnabled(pending.mode in se.THERAPY_MODES)
        self.copy_day_action.setEnabled(
            flexible and pending.week is not None and not pending.week.same_every_day
        )
        self.remove_bolus_button.setEnabled(bool(pending.boluses))

    def set_dose_history(self, points: Sequence[tuple[datetime, DoseValue]]) -> None:
        """The daily dose (mcg/day) of each saved version, (saved at, dose); the pending
        programme's dose is added at now and follows every edit."""
        self.plot_tabs.set_dose_history(points)

    # ================================================================ undo and redo

    def _update_undo_actions(self, *_changed: object) -> None:
        """The menu entries name the value undo restores and redo sets."""
        if not shiboken6.isValid(self.document.undo_stack):
            return  # the stack is being destroyed with its document
        for action, verb, words in (
            (self.undo_action, "Undo", self.document.undo_words()),
            (self.redo_action, "Redo", self.document.redo_words()),
        ):
            action.setEnabled(words is not None)
            action.setText(f"{verb}: {words}" if words else verb)
            action.setStatusTip(action.text())

    def _undo(self) -> None:
        # The last entry's message described the state undone: it would mislead now.
        self.clear_message()
        self.document.undo_stack.undo()

    def _redo(self) -> None:
        self.clear_message()
        self.document.undo_stack.redo()

    # ================================================================ messages

    def clear_message(self) -> None:
        """Forget the last entry's message (another programme was loaded)."""
        restyle(self.message_label, "")
        self.message_label.clear()

    def _show_rejection(self, message: str) -> None:
        restyle(self.message_label, f"color: {severity_style(Severity.HARD)[1]};")
        self.message_label.setText(f"Not changed: {message}")

    def _show_acceptance(self, message: str) -> None:
        restyle(self.message_label, "")
        self.message_label.setText(message)

    def _offer_nearest_rate(self, entry: se.RateEntry, row: int) -> None:
        typed = f"{format_plain(entry.typed)} {entry.unit.value}"
        if self.prompter.confirm(
            "Rate is not exact",
            f"{typed} is {entry.shown}, which the pump cannot hold exactly.\n\n"
            f"Set {entry.nearest_text} instead?",
        ):
            try:
                self.model.set_rate(row, entry.nearest)
            except se.EditError as error:
                self._show_rejection(str(error))
        else:
            self._show_rejection(f"{typed} is {entry.shown}; choose a value the pump can hold.")

    # ================================================================ actions

    def _selected_row(self) -> int | None:
        index = self.table.currentIndex()
        return index.row() if index.isValid() else None

    def _select(self, row: int, column: Column = Column.RATE) -> None:
        index = self.model.index(row, column)
        if index.isValid():
            self.table.setCurrentIndex(index)
            self.table.selectionModel().select(
                index, QItemSelectionModel.SelectionFlag.ClearAndSelect
            )
            self.table.scrollTo(index)

    def _edit(
        self,
        text: str,
        operation: Callable[[Programme], Programme],
        merge_key: Hashable | None = None,
        *,
        rebase: bool = False,
        value: Callable[[Programme], str] | None = None,
    ) -> bool:
        """One edit through the document; a refusal is shown where the user acted."""
        try:
            return self.document.edit(
                text, operation, merge_key=merge_key, rebase=rebase, value=value
            )
        except se.EditError as error:
            self._show_rejection(str(error))
            return False

    def add_step(self) -> None:
        """Add a step halfway through the selected step (the last one if none is selected)."""
        row = self._selected_row()
        if row is None:
            row = self.model.rowCount() - 1
        if row < 0:
            return
        day = self.model.day
        if self._edit(f"Add step after step {row + 1}", partial(se.add_step, day=day, after=row)):
            self._select(row + 1, Column.START)
            self._show_acceptance(f"Step {row + 2} added; type its start and rate.")

    def split_step(self) -> None:
        row = self._selected_row()
        if row is None:
            self._show_rejection("Select the step to split first.")
            return
        day = self.model.day
        middle = se.midpoint_min(self.document.pending, day, row)
        minutes = self.prompter.choose_time(
            "Split step", f"Split step {row + 1} at (HH:MM):", middle
        )
        if minutes is None:
            return
        if self._edit(
            f"Split step {row + 1}", partial(se.split_step, day=day, index=row, at_min=minutes)
        ):
            self._select(row + 1, Column.START)

    def delete_step(self) -> None:
        row = self._selected_row()
        if row is None:
            self._show_rejection("Select the step to delete first.")
            return
        day = self.model.day
        if self._edit(f"Delete step {row + 1}", partial(se.delete_step, day=day, index=row)):
            self._select(min(row, self.model.rowCount() - 1))

    def scale_all(self) -> None:
        pending = self.document.pending
        pump = self.document.pump
        percent = self.prompter.scale_percent(
            lambda p: se.scale_rates(pending, p, pump),
            self.unit,
            pending.drug.concentration_mcg_per_ml,
            self._assess_scaled,
        )
        if percent is None:
            return
        change = f"{signed_percent(percent - 100)} %"
        if self._edit(
            f"Change all rates by {change}",
            lambda p: se.scale_rates(p, percent, pump).programme,
        ):
            result = se.scale_rates(pending, percent, pump)
            outside = len(result.outside_limits)
            note = f"; {outside} outside the pump's limits (see findings)" if outside else ""
            self._show_acceptance(
                f"Every rate changed by {change}; 24-h total "
                f"{self.total_label.text().split(' · ')[0]}{note}."
            )

    def _assess_scaled(self, programme: Programme) -> ScaleAssessment:
        """The scale dialog's preview of ``programme`` on the shown day."""
        return assess_scaled(self.document, self.model.day, programme)

    def copy_day(self) -> None:
        day = self.model.day
        if day not in WEEKDAYS:
            return
        choices = [(d, day_label(d)) for d in WEEKDAYS if d != day]
        targets = self.prompter.choose_days(
            "Copy day", f"Copy {day_label(day)}'s steps to:", choices
        )
        if targets and self._edit(
            f"Copy {day_label(day)} to {len(targets)} day(s)",
            partial(se.copy_day, source_day=day, targets=targets),
        ):
            names = ", ".join(day_label(t) for t in targets)
            self._show_acceptance(f"{day_label(day)}'s steps copied to {names}.")

    # ================================================================ header controls

    def _on_mode_chosen(self, index: int) -> None:
        mode = Mode(self.mode_combo.itemData(index))
        pump = self.document.pump
        template = self.document.last_therapy or self.document.current
        text = "Mode"
        try:
            self.document.edit(
                text,
                partial(se.set_mode, mode=mode, pump=pump, template=template),
                merge_key=("mode",),
                rebase=True,
                value=_mode_words,
            )
        except se.InexactEntry as inexact:
            if self.prompter.confirm("Mode change", f"{inexact}\n\nUse that value?"):
                self._edit(
                    text,
                    partial(
                        se.set_mode, mode=mode, pump=pump, template=template, accept_nearest=True
                    ),
                    merge_key=("mode",),
                    rebase=True,
                    value=_mode_words,
                )
        except se.EditError as error:
            self._show_rejection(str(error))
        self._sync_mode_and_days()

    def _on_day_chosen(self, index: int) -> None:
        self.model.set_day(self.day_combo.itemData(index))
        self.total_box.show_totals(self.document.result)
        self._update_actions()
        self.plot_tabs.refresh()

    def _on_same_day_clicked(self, checked: bool) -> None:
        if checked:
            source = self.model.day
            pending = self.document.pending
            if se.days_differ(pending) and not self.prompter.confirm(
                "Same every day",
                f"Use {day_label(source)}'s steps for every day? The other days' steps are "
                "replaced (Undo brings them back).",
            ):
                self._sync_mode_and_days()
                return
            self._edit("Same every day", partial(se.to_every_day, source_day=source))
        else:
            self.model.set_day(WEEKDAYS[0])
            self._edit("Weekday pattern", se.to_weekday_pattern)
        self._sync_mode_and_days()

    def _on_unit_chosen(self, _index: int) -> None:
        self.model.set_unit(self.unit)
        self.rate_plot.set_unit(self.unit)
        self._sync_simple_and_other()

    # ================================================================ findings

    def _go_to_finding(self, finding: Finding) -> None:
        self.focus_field(finding.field)

    def focus_field(self, field: str) -> bool:
        """Select the cell or field a finding names (switching the shown day if needed).
        Returns False, and emits ``field_requested``, when the field is not in this editor."""
        ref = se.parse_field(field)
        if ref.section == "week" and ref.day is not None:
            if ref.day != self.model.day and ref.day in WEEKDAYS:
                self.day_combo.setCurrentIndex(self.day_combo.findData(ref.day))
                self._on_day_chosen(self.day_combo.currentIndex())
            index = self.model.index_for_field(field)
            if index.isValid():
                self._select(index.row(), Column(index.column()))
            self.table.setFocus()
            return True
        if ref.section == "daily_dose_mcg":
            self.dose_edit.setFocus()
            self.dose_edit.selectAll()
            return True
        if self.boluses_box.focus_field(ref, field):  # a bolus cell or patient-bolus field
            return True
        if ref.section == "mode":
            self.mode_combo.setFocus()
            return True
        self.field_requested.emit(field)
        return False
