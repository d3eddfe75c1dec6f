"""Accessibility smoke test over AT-SPI (issue 12): the real window, under Xvfb with its own
D-Bus session and accessibility bus, is read by Debian's pyatspi (the library screen readers
such as Orca use) from another process, and its main controls are found by name and role.

Needs Xvfb, dbus-daemon, the at-spi bus launcher and python3-pyatspi (scripts/setup-env
installs them on Debian); skipped, saying which is missing, where the platform has none."""

from __future__ import annotations

import json
import os
import select
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

SYSTEM_PYTHON = "/usr/bin/python3"  # pyatspi is a Debian package of the system Python
LAUNCHERS = ("/usr/libexec/at-spi-bus-launcher", "/usr/lib/at-spi2-core/at-spi-bus-launcher")
APP_NAME = "itb-atspi-smoke"

APP = """
import sys
from datetime import datetime
from pathlib import Path
from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from db.database import Database
from db.seed.demo_patients import seed_demo_patients
from ui.main_window import MainWindow

NOW = datetime(2026, 11, 22, 10, 0)
app = QApplication([sys.argv[1]])
app.setApplicationName(sys.argv[1])
folder = Path(sys.argv[2])
db = Database.open(folder / "clinic.sqlite", on_create=seed_demo_patients, now=NOW)
settings = QSettings(str(folder / "settings.ini"), QSettings.Format.IniFormat)
window = MainWindow(db, clock=lambda: NOW, user="dr.a11y", settings=settings)
window.show()
window.open_patient("DEMO-0002")
print("ready", flush=True)
app.exec()
"""

CLIENT = """
import json, sys, time
import pyatspi

def walk(node, found, depth=0):
    if node is None or depth > 60:
        return
    found.append((node.getRoleName(), node.name))
    for child in node:
        walk(child, found, depth + 1)

deadline = time.time() + 30
while time.time() < deadline:
    for app in pyatspi.Registry.getDesktop(0):
        if app is not None and app.name == sys.argv[1]:
            found = []
            walk(app, found)
            if len(found) > 20:
                print(json.dumps(found))
                sys.exit(0)
    time.sleep(0.3)
sys.exit("the console never appeared on the accessibility bus")
"""


def missing_tools() -> str | None:
    if sys.platform != "linux":
        return "AT-SPI is the Linux accessibility bus"
    for tool in ("Xvfb", "dbus-daemon"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed"
    if not any(os.path.exists(p) for p in LAUNCHERS):
        return "the at-spi bus launcher (at-spi2-core) is not installed"
    probe = (
        subprocess.run([SYSTEM_PYTHON, "-c", "import pyatspi"], capture_output=True, check=False)
        if os.path.exists(SYSTEM_PYTHON)
        else None
    )
    if probe is None or probe.returncode != 0:
        return "python3-pyatspi is not installed"
    return None


def first_line(process: subprocess.Popen[str], seconds: float) -> str:
    assert process.stdout is not None
    ready, _, _ = select.select([process.stdout], [], [], seconds)
    assert ready, f"{process.args[0]} printed nothing in {seconds} s"
    return process.stdout.readline().strip()


@pytest.fixture
def desktop(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A private X display, D-Bus session and accessibility bus; the environment to use them."""
    why = missing_tools()
    if why:
        pytest.skip(why)
    started: list[subprocess.Popen[str]] = []

    def start(args: list[str], env: dict[str, str] | None = None) -> subprocess.Popen[str]:
        process = subprocess.Popen(
            args, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env
        )
        started.append(process)
        return process

    try:
        xvfb = start(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x800x24", "-nolisten", "tcp"])
        env = dict(os.environ, DISPLAY=f":{first_line(xvfb, 20)}")
        bus = start(["dbus-daemon", "--session", "--nofork", "--print-address=1"], env)
        env["DBUS_SESSION_BUS_ADDRESS"] = first_line(bus, 20)
        launcher = next(p for p in LAUNCHERS if os.path.exists(p))
        start([launcher, "--launch-immediately"], env)
        env.update(
            QT_QPA_PLATFORM="xcb",
            QT_LINUX_ACCESSIBILITY_ALWAYS_ON="1",
            NO_AT_BRIDGE="0",
        )
        yield env
    finally:
        for process in reversed(started):
            process.terminate()
        for process in started:
            try:
                process.wait(10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(10)
            if process.stdout is not None:
                process.stdout.close()


def test_a_screen_reader_finds_the_main_controls_by_name(
    desktop: dict[str, str], tmp_path: Path
) -> None:
    with subprocess.Popen(
        [sys.executable, "-c", APP, APP_NAME, str(tmp_path)],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        env=desktop,
    ) as app:
        try:
            assert first_line(app, 60) == "ready"
            client = subprocess.run(
                [SYSTEM_PYTHON, "-c", CLIENT, APP_NAME],
                capture_output=True,
                text=True,
                env=desktop,
                timeout=60,
                check=False,
            )
        finally:
            app.terminate()
    assert client.returncode == 0, client.stderr
    seen = {tuple(pair) for pair in json.loads(client.stdout)}
    for role, name in (
        ("text", "Search patients by name or ID"),
        ("table", "Patients"),
        ("push button", "New patient"),
        ("page tab", "Overview"),
        ("page tab", "Programme"),
        ("page tab", "History"),
        ("page tab", "Pump"),
        ("menu item", "Pump"),
        ("menu item", "Review and save…"),
        ("menu item", "Refill…"),
        ("menu item", "Transmit to pump…"),
        ("table", "Programme versions"),
        ("table", "Pump event log"),
    ):
        assert (role, name) in seen, f"no {role} named {name!r} on the accessibility bus"
    assert ("push button", "") not in seen, "a button without a name on the accessibility bus"
