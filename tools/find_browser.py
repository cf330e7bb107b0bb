"""Find a Chromium for the browser tests, installing Debian's package when possible.

Order: $CHROMIUM_PATH, then a Chromium on PATH, then Playwright's own download
(``playwright install chromium``) if one is present. When none is found and the
machine is Debian/Ubuntu and we are root, ``apt-get install chromium`` is run.
Prints the executable path (or "playwright" for Playwright's own browser) and
exits 0; exits 1 with a message saying what to do when no browser can be had.
The tests never skip for want of a browser: they fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def from_env() -> str | None:
    path = os.environ.get("CHROMIUM_PATH")
    if path:
        if Path(path).is_file() and os.access(path, os.X_OK):
            return path
        sys.exit(f"CHROMIUM_PATH={path} is not an executable file. Unset it or point it at Chromium.")
    return None


def on_path() -> str | None:
    for name in CANDIDATES:
        found = shutil.which(name)
        if found:
            return found
    return None


def playwright_own() -> str | None:
    """Playwright's downloaded Chromium, where a machine was able to fetch it."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return None
    try:
        with sync_playwright() as p:
            path = p.chromium.executable_path
    except Exception:  # noqa: BLE001 - any failure means "not available"
        return None
    return "playwright" if path and Path(path).exists() else None


def apt_install() -> str | None:
    if not (shutil.which("apt-get") and hasattr(os, "geteuid") and os.geteuid() == 0):
        return None
    print("Installing Debian's chromium package (apt-get)...", file=sys.stderr)
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    subprocess.run(["apt-get", "update", "-qq"], check=False, env=env)
    done = subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=False, env=env)
    return on_path() if done.returncode == 0 else None


def main() -> int:
    found = from_env() or on_path() or playwright_own() or apt_install()
    if not found:
        print(
            "No Chromium found for the browser tests.\n"
            "  Debian/Ubuntu: sudo apt-get install chromium\n"
            "  macOS or elsewhere: .venv/bin/python -m playwright install chromium\n"
            "  or set CHROMIUM_PATH to a Chromium/Chrome executable.",
            file=sys.stderr,
        )
        return 1
    print(found)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
