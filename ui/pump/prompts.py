"""The workflows' dialogs run through the window's prompter like every other question (style.md:
"Dialogs never block tests"): a prompter with a ``run_dialog(dialog) -> bool`` method drives
them (tests script it); otherwise the dialog is shown modally."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog


def run_dialog(prompter: object, dialog: QDialog) -> bool:
    """Show ``dialog`` through ``prompter``; True when it was accepted."""
    runner = getattr(prompter, "run_dialog", None)
    if callable(runner):
        return bool(runner(dialog))
    return dialog.exec() == QDialog.DialogCode.Accepted
