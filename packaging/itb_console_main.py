"""Entry point of the desktop bundle (PyInstaller runs a script, not a console_scripts entry)."""

import sys

from ui.cli import main

if __name__ == "__main__":
    sys.exit(main())
