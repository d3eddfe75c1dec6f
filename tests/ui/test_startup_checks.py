"""Start-up checks before Qt (ui/startup_checks.py): a missing system library is named with the
exact apt command, an X server that does not answer is one clear line, and neither starts Qt
(which would fail with an ImportError or abort naming the wrong library)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ui import startup_checks

CONSOLE = Path(sys.executable).parent / "itb-console"
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux checks")


def without(*sonames: str):  # type: ignore[no-untyped-def]
    real = startup_checks._loadable
    return lambda name: name not in sonames and real(name)


@linux_only
def test_every_library_qt_needs_here_is_found() -> None:
    assert startup_checks.missing_packages(window=True) == []


@linux_only
def test_missing_library_is_named_by_its_debian_package(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(startup_checks, "_loadable", without("libGL.so.1", "libxcb-cursor.so.0"))
    assert startup_checks.missing_packages(window=False) == ["libgl1"]
    assert startup_checks.missing_packages(window=True) == ["libgl1", "libxcb-cursor0"]


def test_install_command_uses_sudo_only_when_not_root(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "geteuid", lambda: 1000, raising=False)
    assert startup_checks.install_command(["libgl1", "libegl1"]) == (
        "sudo apt-get update && sudo apt-get install --no-install-recommends libgl1 libegl1"
    )
    monkeypatch.setattr(os, "geteuid", lambda: 0, raising=False)
    assert startup_checks.install_command(["libgl1"]) == (
        "apt-get update && apt-get install --no-install-recommends libgl1"
    )


@linux_only
def test_window_without_qt_libraries_stops_with_the_apt_command_before_qt(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from ui.app import run_window

    monkeypatch.setattr(startup_checks, "_loadable", without("libEGL.so.1"))
    monkeypatch.setenv("DISPLAY", ":0")
    args = argparse.Namespace(db=None, now=None, training=False)
    assert run_window(args) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "apt-get install --no-install-recommends libegl1" in err


@linux_only
def test_report_without_qt_libraries_is_one_line_not_a_traceback(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(startup_checks, "_loadable", without("libfontconfig.so.1"))
    with pytest.raises(startup_checks.QtUnavailableError, match="libfontconfig1"):
        startup_checks.require_qt(window=False)


@linux_only
def test_display_set_but_no_x_server_is_one_clear_line(tmp_path: Path) -> None:
    """Qt would abort claiming xcb-cursor0 is missing although it is installed."""
    env = {k: v for k, v in os.environ.items() if k not in ("WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update(DISPLAY=":987", XDG_DATA_HOME=str(tmp_path), XDG_CONFIG_HOME=str(tmp_path))
    result = subprocess.run(
        [str(CONSOLE)], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1, result.stderr
    assert "no X server answers on DISPLAY=:987" in result.stderr
    assert "xcb-cursor0" not in result.stderr


def test_no_x_check_when_qt_is_offscreen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DISPLAY", ":987")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert startup_checks.x_server_problem() is None
