"""``itb-console --help``: the default database path is printed whole, whatever the terminal's
width (argparse would cut it at the hyphen of ``itb-console`` and a reader copies half)."""

from __future__ import annotations

import pytest

from ui.cli import build_parser, default_database_path


@pytest.mark.parametrize("columns", [50, 60, 80, 100, 120, 200])
def test_help_never_cuts_the_default_database_path(
    monkeypatch: pytest.MonkeyPatch, columns: int
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    path = default_database_path()
    text = build_parser().format_help()
    assert path in text, text
    assert "itb-\n" not in text


def test_subcommand_help_is_wrapped_the_same_way(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("COLUMNS", "40")
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    text = sub.choices["export-fhir"].format_help()  # type: ignore[attr-defined]
    assert "export-\n" not in text and "FHIR" not in text.split("\n")[0]
