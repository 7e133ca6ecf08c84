"""Start the local services the suite talks to when they are installed but stopped, and install
the Debian packages some tests need when they are missing (we run as root on these machines).

Tests decide for themselves whether a missing service fails (CI=true) or skips; this script
only tries to bring up what is installed, and reports what it did, one line per service.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from pathlib import Path

SERVICES: dict[str, tuple[int, list[str]]] = {
    "postgresql": (
        5432,
        ["sh", "-c", "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"],
    ),
    "nats": (
        4222,
        [
            "start-stop-daemon",
            "--start",
            "--oknodo",
            "--background",
            "--exec",
            "/usr/sbin/nats-server",
            "--",
            "-a",
            "127.0.0.1",
            "-p",
            "4222",
            "-js",
            "-sd",
            "/var/lib/nats-server",
            "-l",
            "/var/log/nats-server.log",
        ],
    ),
}


# Debian package -> a file it installs (present means installed).
PACKAGES: dict[str, str] = {
    # PKCS#11 HSM for the custody tests (tests/custody/test_hsm.py)
    "softhsm2": "/usr/lib/softhsm/libsofthsm2.so",
    # headless browser for the portfolio HTML report test (Playwright drives it)
    "chromium": "/usr/bin/chromium",
    # prometheus + promtool: the rule unit tests and the real-Prometheus scrape test
    "prometheus": "/usr/bin/promtool",
}

# Debian services a package starts by itself that the tests do not want (the Prometheus tests
# run their own server on a free port with temporary storage; the packaged one would hold 9090)
UNWANTED_SERVICES = ("prometheus",)


def _ensure_packages() -> None:
    for package, marker in PACKAGES.items():
        if Path(marker).exists():
            print(f"package={package} state=installed")
            continue
        if shutil.which("apt-get") is None:
            print(f"package={package} state=missing (no apt-get)")
            continue
        done = subprocess.run(
            ["apt-get", "install", "-y", "--no-install-recommends", package],
            check=False,
            capture_output=True,
        )
        state = "installed-now" if done.returncode == 0 and Path(marker).exists() else "failed"
        print(f"package={package} state={state}")


def _stop_unwanted_services() -> None:
    for service in UNWANTED_SERVICES:
        if Path("/run/systemd/system").exists() and shutil.which("systemctl"):
            done = subprocess.run(
                ["systemctl", "disable", "--now", service], check=False, capture_output=True
            )
            if done.returncode == 0:
                print(f"service={service} state=disabled")
        elif Path(f"/etc/init.d/{service}").exists():
            # no systemd (containers): policy-rc.d usually kept it from starting; make sure
            subprocess.run(["service", service, "stop"], check=False, capture_output=True)


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def main() -> None:
    _ensure_packages()
    _stop_unwanted_services()
    for name, (port, command) in SERVICES.items():
        if _listening(port):
            print(f"service={name} port={port} state=up")
            continue
        if shutil.which(command[0]) is None:
            print(f"service={name} port={port} state=not-installed")
            continue
        subprocess.run(command, check=False, capture_output=True)
        for _ in range(50):
            if _listening(port):
                break
            time.sleep(0.2)
        state = "started" if _listening(port) else "failed-to-start"
        print(f"service={name} port={port} state={state}")


if __name__ == "__main__":
    main()
