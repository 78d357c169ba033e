"""A real headless Chromium for page tests: Debian's `chromium` and `chromium-driver`, driven by Selenium.

`ensure_chromium()` installs both with apt-get when /usr/bin/chromedriver is
missing and we are root (as on CI; about a minute, once per machine), and
otherwise returns why a browser cannot be had, for the test to skip with.
The driver path is explicit, so Selenium never tries to download a driver.

    python tests/support/browser.py      # install now (what the test setup would do)
"""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
PACKAGES = ("chromium", "chromium-driver")
# Quiet on a closed network: no update checks, sync, QUIC or first-run pages.
OPTIONS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--window-size=1280,1000",
)
INSTALL_TIMEOUT = 900  # seconds: apt may wait for another install's lock first


def ensure_chromium() -> str | None:
    """None when Chromium and its driver are ready; else the reason they are not."""
    if CHROMIUM.exists() and CHROMEDRIVER.exists():
        return None
    if os.geteuid() != 0:
        return f"{CHROMEDRIVER} is missing and only root may install {' and '.join(PACKAGES)}"
    if shutil.which("apt-get") is None:
        return f"{CHROMEDRIVER} is missing and there is no apt-get to install it"
    with open(Path(tempfile.gettempdir()) / "bridge-chromium-install.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # parallel test sessions install once
        if not CHROMEDRIVER.exists():
            failure = _apt(["update"]) or _apt(["install", "-y", "--no-install-recommends", *PACKAGES])
            if failure:
                return failure
    return None if CHROMIUM.exists() and CHROMEDRIVER.exists() else "apt-get installed no chromium"


def _apt(arguments: list[str]) -> str | None:
    command = ["apt-get", "-o", "DPkg::Lock::Timeout=300", *arguments]
    environment = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    try:
        result = subprocess.run(command, capture_output=True, text=True, timeout=INSTALL_TIMEOUT, env=environment)
    except subprocess.TimeoutExpired:
        return f"`{' '.join(command)}` took longer than {INSTALL_TIMEOUT} s"
    if result.returncode != 0:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        return f"`{' '.join(command)}` failed: {tail[0]}"
    return None


def start_chromium():
    """A headless Chromium under chromedriver; the caller quits it."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for option in OPTIONS:
        options.add_argument(option)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)


if __name__ == "__main__":
    reason = ensure_chromium()
    print(reason or f"ready: {CHROMIUM}, {CHROMEDRIVER}")
    sys.exit(1 if reason else 0)
