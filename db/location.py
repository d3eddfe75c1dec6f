"""Where the console keeps its database when the user names none (product.md: "a sensible
per-user default location")."""

from __future__ import annotations

from pathlib import Path

from platformdirs import user_data_path

APP_NAME = "itb-console"
FILE_NAME = "itb-console.sqlite"


def default_path() -> Path:
    """The per-user data folder's database file (e.g. ``~/.local/share/itb-console/`` on Linux,
    ``%LOCALAPPDATA%\\itb-console\\`` on Windows). Nothing is created here."""
    return user_data_path(APP_NAME, appauthor=False) / FILE_NAME
