"""The domain and storage layers never import Qt or pyqtgraph (product.md: "Dependencies point
one way"). Imported in a fresh interpreter with Qt made unimportable."""

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

BLOCKER = """
import importlib.abc, sys
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('PySide6', 'pyqtgraph', 'shiboken6', 'PyQt5', 'PyQt6'):
            raise ImportError('layering: ' + name + ' imported')
sys.meta_path.insert(0, Block())
import importlib
for module in sys.argv[1:]:
    importlib.import_module(module)
"""


def _modules(package: str) -> list[str]:
    found = [package]
    for info in pkgutil.walk_packages([str(ROOT / package)], prefix=f"{package}."):
        found.append(info.name)
    return found


@pytest.mark.parametrize("package", ["programmer", "db"])
def test_layer_never_imports_qt(package: str) -> None:
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER, *_modules(package)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_command_line_starts_without_qt() -> None:
    """`itb-console check` is a fast headless tool: the CLI module must not load Qt."""
    result = subprocess.run(
        [sys.executable, "-c", BLOCKER, "ui.cli", "ui.commands.programme"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stderr
