"""The session report (product.md, "Screens": "Session report"; issue 5): what a programming
session changed, on paper or as a PDF.

:mod:`ui.report.content` assembles the report's sections from the database records and the
engine (no Qt, easily tested) into the records of :mod:`ui.report.parts`, the schedule tables
from :mod:`ui.report.schedule_tables`; :mod:`ui.report.markup` writes them as the HTML a
``QTextDocument`` lays out; :mod:`ui.report.pdf` paints the pages, header, footer and plots on a
PDF writer or a printer; :mod:`ui.report.printing` goes through the print dialog. This package
imports no Qt itself, so the command line can name it without loading Qt.
"""
