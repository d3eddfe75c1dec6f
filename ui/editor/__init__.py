"""The schedule editor: the pending programme as a document with undo, its table models, the
findings list and the composite editor widget with its parts (bolus editor, totals box, plot
tabs, mode pages) (product.md, "Schedule editor", "Plots"). The plots and entry fields it shares
with other screens are in :mod:`ui.widgets`. Imported only by the window, never by the command
line."""
