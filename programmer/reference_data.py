"""Reading the engine's TOML reference data (drug library, pump catalogue) with checks that name
the file and the entry at fault."""

from __future__ import annotations

import tomllib
from decimal import Decimal
from importlib import resources
from pathlib import Path
from typing import Any

from programmer.errors import ReferenceDataError
from programmer.files import read_input

MAX_REFERENCE_BYTES = 4_000_000  # far above any library or catalogue


def load_toml(path: Path | None, packaged_name: str) -> tuple[dict[str, Any], str]:
    """The parsed TOML of ``path``, or of the packaged data file ``packaged_name``."""
    try:
        if path is None:
            text = resources.files("programmer").joinpath("data", packaged_name).read_text("utf-8")
            where = f"packaged {packaged_name}"
        else:  # a regular file of bounded size, like every input (programmer/files.py)
            text = read_input(path, limit=MAX_REFERENCE_BYTES, what="data file").decode("utf-8")
            where = str(path)
    except (OSError, UnicodeDecodeError) as exc:
        raise ReferenceDataError(f"cannot read {path or packaged_name}: {exc}") from exc
    return parse_toml(text, str(path or packaged_name)), where


def parse_toml(text: str, where: str) -> dict[str, Any]:
    """TOML text already read (e.g. a drug library stored in the database); ``where`` names it
    in the error."""
    try:
        return tomllib.loads(text, parse_float=Decimal)
    except tomllib.TOMLDecodeError as exc:
        raise ReferenceDataError(f"{where} is not valid TOML: {exc}") from exc


class Table:
    """Typed, checked access to one TOML table; every error names the file and the entry."""

    def __init__(self, data: Any, where: str) -> None:
        if not isinstance(data, dict):
            raise ReferenceDataError(f"{where}: expected a table")
        self._data: dict[str, Any] = data
        self._where = where
        self._used: set[str] = set()

    def _get(self, key: str) -> Any:
        if key not in self._data:
            raise ReferenceDataError(f"{self._where}: missing '{key}'")
        self._used.add(key)
        return self._data[key]

    @property
    def where(self) -> str:
        """The file and entry this table comes from, for error messages."""
        return self._where

    def has(self, key: str) -> bool:
        return key in self._data

    def text(self, key: str) -> str:
        value = self._get(key)
        if not isinstance(value, str) or not value.strip():
            raise ReferenceDataError(f"{self._where}: '{key}' must be non-empty text")
        return value

    def number(self, key: str, *, positive: bool = True) -> Decimal:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int | Decimal):
            raise ReferenceDataError(f"{self._where}: '{key}' must be a number")
        number = Decimal(value)
        if not number.is_finite() or (number <= 0 if positive else number < 0):
            raise ReferenceDataError(
                f"{self._where}: '{key}' must be {'> 0' if positive else '>= 0'}"
            )
        return number

    def integer(self, key: str) -> int:
        value = self._get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise ReferenceDataError(f"{self._where}: '{key}' must be a whole number > 0")
        return value

    def boolean(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise ReferenceDataError(f"{self._where}: '{key}' must be true or false")
        return value

    def numbers(self, key: str) -> tuple[Decimal, ...]:
        value = self._get(key)
        if not isinstance(value, list):
            raise ReferenceDataError(f"{self._where}: '{key}' must be a list of numbers")
        return tuple(Table({key: v}, self._where).number(key) for v in value)

    def texts(self, key: str) -> tuple[str, ...]:
        value = self._get(key)
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ReferenceDataError(f"{self._where}: '{key}' must be a list of text")
        return tuple(value)

    def table(self, key: str) -> Table:
        return Table(self._get(key), f"{self._where}, {key}")

    def tables(self, key: str) -> list[Table]:
        value = self._get(key)
        if not isinstance(value, list) or not value:
            raise ReferenceDataError(f"{self._where}: '{key}' must be a non-empty array of tables")
        return [Table(v, f"{self._where}, {key} #{i + 1}") for i, v in enumerate(value)]

    def names(self) -> list[str]:
        return list(self._data)

    def done(self) -> None:
        """Refuse keys nobody read: a misspelt limit must not be silently ignored."""
        unknown = sorted(set(self._data) - self._used)
        if unknown:
            raise ReferenceDataError(f"{self._where}: unknown key(s) {', '.join(unknown)}")

    def check_format(self, expected: str) -> str:
        fmt = self.text("format")
        if fmt != expected:
            raise ReferenceDataError(f"{self._where}: format is '{fmt}', expected '{expected}'")
        return self.text("version")
