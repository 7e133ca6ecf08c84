"""Files that hold secrets or private records are created readable by their owner only.

Every SQLite database the project writes (the sim's API secrets, desk journals, kernel and
portfolio stores, chain stores) goes through ``private_sqlite_file`` before it is opened: the
file is created mode 0600 (SQLite gives its -wal and -shm files the database file's mode) and an
existing file and its -wal/-shm are tightened to 0600.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["PRIVATE_MODE", "private_sqlite_file"]

PRIVATE_MODE = 0o600


def private_sqlite_file(path: Path | str) -> Path:
    """Create ``path`` (and its folder) mode 0600 if absent; tighten it and its -wal/-shm."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.close(os.open(target, os.O_WRONLY | os.O_CREAT, PRIVATE_MODE))
    for suffix in ("", "-wal", "-shm"):
        candidate = target.with_name(target.name + suffix)
        if candidate.exists() and candidate.stat().st_mode & 0o777 != PRIVATE_MODE:
            os.chmod(candidate, PRIVATE_MODE)
    return target
