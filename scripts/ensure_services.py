"""Start the local services the suite talks to when they are installed but stopped, and
install the Debian packages tests drive (a headless Chromium for the HTML report) when missing.

Tests decide for themselves whether a missing service fails (CI=true) or skips; this script
only tries to bring up what is installed, and reports what it did, one line per service.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

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


# Debian package -> the executable that shows it is installed.
PACKAGES: dict[str, str] = {"chromium": "/usr/bin/chromium"}


def _ensure_packages() -> None:
    missing = [name for name, exe in PACKAGES.items() if shutil.which(exe) is None]
    if missing and shutil.which("apt-get") is not None:
        subprocess.run(["apt-get", "install", "-y", *missing], check=False, capture_output=True)
    for name, exe in PACKAGES.items():
        state = "installed" if shutil.which(exe) is not None else "missing"
        print(f"package={name} state={state}")


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def main() -> None:
    _ensure_packages()
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
