"""The schedule editor: the pending programme as a document with undo, its table models, the
findings list, the plots and the composite editor widget (product.md, "Schedule editor",
"Plots"). Imported only by the window, never by the command line."""
