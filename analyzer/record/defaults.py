"""What the `record` command offers before Playwright or the session code is imported."""

from __future__ import annotations

from pathlib import Path

DEFAULT_BROWSER = Path("/usr/bin/chromium")
INSTALL_HINT = "install Chromium (apt-get install chromium) or pass --browser-path"
WAIT_UNTIL = ("load", "domcontentloaded", "networkidle", "commit")
