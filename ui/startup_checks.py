"""Checks made before Qt starts, so that a missing system library or an unreachable X server is
one line saying what to do, not an ``ImportError`` or an abort naming the wrong library
(toolchain.md: Qt without a display "aborts with a misleading message about xcb-cursor0").

Linux only; elsewhere Qt's wheels bring what they need. No Qt is imported here.
``python -m ui.startup_checks [--offscreen]`` prints the problem and exits 1 (scripts/test uses it
before pytest starts)."""

from __future__ import annotations

import ctypes
import os
import sys
from pathlib import Path

from programmer.errors import EngineError


class QtUnavailableError(EngineError):
    """Qt cannot start on this system; the message says what to do (exit 2, one line)."""


# What Qt loads, as (shared library, the Debian package holding it). toolchain.md, "Packages":
# the first group suffices offscreen (tests, reports), the rest are for a window on X11.
OFFSCREEN_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libGL.so.1", "libgl1"),
    ("libEGL.so.1", "libegl1"),
    ("libfontconfig.so.1", "libfontconfig1"),
    ("libglib-2.0.so.0", "libglib2.0-0"),
    ("libxkbcommon.so.0", "libxkbcommon0"),
    ("libdbus-1.so.3", "libdbus-1-3"),
)
WINDOW_LIBRARIES: tuple[tuple[str, str], ...] = (
    ("libxcb.so.1", "libxcb1"),
    ("libxcb-cursor.so.0", "libxcb-cursor0"),
    ("libxkbcommon-x11.so.0", "libxkbcommon-x11-0"),
    ("libxcb-icccm.so.4", "libxcb-icccm4"),
    ("libxcb-keysyms.so.1", "libxcb-keysyms1"),
    ("libxcb-image.so.0", "libxcb-image0"),
    ("libxcb-render-util.so.0", "libxcb-render-util0"),
    ("libxcb-shape.so.0", "libxcb-shape0"),
)
# Without it every glyph is an empty box and nothing warns (toolchain.md); a bundle brings its own.
FONT_PACKAGE = "fonts-dejavu-core"
FONT_FOLDERS = (Path("/usr/share/fonts/truetype/dejavu"),)


def _loadable(soname: str) -> bool:
    try:
        ctypes.CDLL(soname)
    except OSError:
        bundle = getattr(sys, "_MEIPASS", None)  # a PyInstaller bundle may carry its own copy
        if bundle is None or not (Path(bundle) / soname).is_file():
            return False
    return True


def _bundled_font() -> bool:
    from ui.report.fonts import FONT_FOLDER

    return FONT_FOLDER.is_dir() and any(FONT_FOLDER.glob("*.ttf"))


def missing_packages(*, window: bool) -> list[str]:
    """The Debian packages whose libraries Qt needs and cannot load ([] when all are there, or
    off Linux)."""
    if not sys.platform.startswith("linux"):
        return []
    needed = OFFSCREEN_LIBRARIES + (WINDOW_LIBRARIES if window else ())
    missing = [package for soname, package in needed if not _loadable(soname)]
    if not any(folder.is_dir() for folder in FONT_FOLDERS) and not _bundled_font():
        missing.append(FONT_PACKAGE)
    return missing


def install_command(packages: list[str]) -> str:
    """The exact command that installs ``packages`` (with sudo unless already root)."""
    sudo = "" if hasattr(os, "geteuid") and os.geteuid() == 0 else "sudo "
    return f"{sudo}apt-get update && {sudo}apt-get install --no-install-recommends " + " ".join(
        packages
    )


def x_server_problem() -> str | None:
    """Why the X server named by DISPLAY cannot be reached, or None (also when no X11 window
    would be opened). Asks libxcb itself, so host names, sockets and authorisation all count."""
    display = os.environ.get("DISPLAY")
    platform = os.environ.get("QT_QPA_PLATFORM", "")
    if (
        not sys.platform.startswith("linux")
        or not display
        or (platform and not platform.startswith("xcb"))
        or (not platform and os.environ.get("WAYLAND_DISPLAY"))
    ):
        return None
    try:
        xcb = ctypes.CDLL("libxcb.so.1")
    except OSError:
        return None  # reported by missing_packages
    xcb.xcb_connect.restype = ctypes.c_void_p
    xcb.xcb_connect.argtypes = [ctypes.c_char_p, ctypes.c_void_p]
    xcb.xcb_connection_has_error.argtypes = [ctypes.c_void_p]
    xcb.xcb_disconnect.argtypes = [ctypes.c_void_p]
    connection = xcb.xcb_connect(display.encode(), None)
    try:
        failed = xcb.xcb_connection_has_error(connection) != 0
    finally:
        xcb.xcb_disconnect(connection)
    if failed:
        return (
            f"no X server answers on DISPLAY={display} (is the desktop session or Xvfb running, "
            "and may this user connect to it?); or use a subcommand: itb-console --help"
        )
    return None


def qt_problem(*, window: bool) -> str | None:
    """One line saying why Qt cannot start here and what to do, or None."""
    missing = missing_packages(window=window)
    if missing:
        return (
            "Qt cannot start: system libraries are missing. Install them with:  "
            + install_command(missing)
        )
    return x_server_problem() if window else None


def require_qt(*, window: bool) -> None:
    """Raise :class:`QtUnavailableError` when Qt cannot start; call before importing PySide6."""
    problem = qt_problem(window=window)
    if problem is not None:
        raise QtUnavailableError(problem)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    problem = qt_problem(window="--offscreen" not in args)
    if problem is not None:
        print(problem, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
