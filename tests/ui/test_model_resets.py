"""Qt's reset contract, which qtmodeltester does not check: a model changes its data only
between beginResetModel() and endResetModel(), so a view (or proxy) reading it on
modelAboutToBeReset still sees the old rows, and on modelReset the new ones."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import QAbstractItemModel, Qt

from programmer import schedule_edit as se
from programmer.check_context import CheckContext
from programmer.programme import EVERY_DAY
from programmer.programme_file import load
from ui.editor.bolus_model import BolusTableModel
from ui.editor.document import ProgrammeDocument
from ui.editor.schedule_model import Column, ScheduleTableModel
from ui.row_table import RowTableModel

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "flexible.json"
NOW = datetime(2026, 11, 23, 10, 0)


def table(model: QAbstractItemModel) -> list[list[Any]]:
    return [
        [model.index(r, c).data() for c in range(model.columnCount())]
        for r in range(model.rowCount())
    ]


def around_reset(model: QAbstractItemModel, change: Callable[[], object]) -> list[list[list[Any]]]:
    """What the model shows before, on modelAboutToBeReset, on modelReset and after."""
    seen: list[list[list[Any]]] = [table(model)]
    model.modelAboutToBeReset.connect(lambda: seen.append(table(model)))
    model.modelReset.connect(lambda: seen.append(table(model)))
    change()
    seen.append(table(model))
    return seen


def document() -> ProgrammeDocument:
    programme = load(EXAMPLE)
    return ProgrammeDocument(programme, now=NOW, context=CheckContext.packaged(current=programme))


def test_schedule_model_shows_the_old_steps_until_its_reset(qtbot: object) -> None:
    doc = document()
    model = ScheduleTableModel(doc)
    before, about, reset, after = around_reset(
        model, lambda: doc.edit("add", lambda p: se.add_step(p, EVERY_DAY, 0))
    )
    assert about == before
    assert reset == after and len(after) == len(before) + 1
    assert [row[Column.START] for row in after][:2] == [before[0][Column.START], "03:30"]


def test_bolus_model_shows_the_old_boluses_until_its_reset(qtbot: object) -> None:
    doc = document()
    model = BolusTableModel(doc)
    assert model.rowCount() == 1
    before, about, reset, after = around_reset(
        model, lambda: doc.edit("remove", lambda p: se.remove_bolus(p, 0))
    )
    assert about == before and len(before) == 1
    assert reset == after == []


class _Words(RowTableModel[str]):
    def cell(self, row: str, column: int, role: int) -> Any:
        return f"{row}{column}" if role == Qt.ItemDataRole.DisplayRole else None


def test_row_table_shows_the_old_rows_and_columns_until_its_reset(qtbot: object) -> None:
    model = _Words(("a", "b"))
    model.set_rows(["x", "y"])
    before, about, reset, after = around_reset(model, lambda: model.set_rows(["z"]))
    assert about == before == [["x0", "x1"], ["y0", "y1"]]
    assert reset == after == [["z0", "z1"]]
    before, about, reset, after = around_reset(model, lambda: model.set_columns(("a", "b", "c")))
    assert about == before == [["z0", "z1"]]
    assert reset == after == [["z0", "z1", "z2"]]
