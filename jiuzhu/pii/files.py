"""Files that hold personal data or keys are readable by their owner only (ADR 0024).

Pure Python, no Django.  The platform's processes set a ``077`` umask at start (settings, the
``jiuzhu`` command), so every file they create — the SQLite database and its ``-wal`` and ``-shm``
files (SQLite gives those the database file's mode), the keyring, import staging files and error
reports, attachments, snapshots, exports — is ``0600`` and every directory ``0700``.  Files that
existed before (a database created by an older version, world-readable) are tightened by
:func:`make_private` at start.  Creating a file "then chmod-ing it" leaves a window in which
another user can open it; :func:`write_private` creates it with the final mode.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Final

__all__ = ["FILE_MODE", "DIR_MODE", "ensure_private_dir", "make_private", "private_umask", "write_private"]

FILE_MODE: Final = 0o600
DIR_MODE: Final = 0o700
UMASK: Final = 0o077


def private_umask() -> int:
    """Set the process umask to ``077``; return the previous one."""
    return os.umask(UMASK)


def ensure_private_dir(path: str | os.PathLike[str]) -> Path:
    """Create *path* (and parents) if needed; make the directory itself ``0700``."""
    p = Path(path)
    p.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    if p.stat().st_mode & 0o777 != DIR_MODE:
        p.chmod(DIR_MODE)
    return p


def make_private(*paths: str | os.PathLike[str]) -> list[Path]:
    """Tighten existing files to ``0600`` (missing ones are skipped); return those changed."""
    changed = []
    for path in paths:
        p = Path(path)
        try:
            mode = p.stat().st_mode & 0o777
        except FileNotFoundError:
            continue
        if mode != FILE_MODE:
            p.chmod(FILE_MODE)
            changed.append(p)
    return changed


def write_private(path: str | os.PathLike[str], data: bytes | str, *, exclusive: bool = True) -> Path:
    """Write *data* to a new file created ``0600`` from the first byte.

    With *exclusive* (the default) an existing file is an error (``FileExistsError``): a key
    file is never silently overwritten.
    """
    p = Path(path)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_EXCL if exclusive else os.O_TRUNC)
    fd = os.open(p, flags, FILE_MODE)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data.encode("utf-8") if isinstance(data, str) else data)
    if not exclusive:
        p.chmod(FILE_MODE)  # an existing file keeps its old mode through O_TRUNC
    return p
