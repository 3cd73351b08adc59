"""Saving without ever leaving half a file: write a temporary file beside the target, fsync,
rename over the target, fsync the folder."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step; an existing file keeps its permissions."""
    target = Path(path)
    folder = target.parent if str(target.parent) else Path(".")
    mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.chmod(temp_name, mode)
        os.replace(temp_name, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp_name)
        raise
    try:  # make the rename itself durable
        dir_fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def atomic_write_text(path: str | os.PathLike[str], text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_temp_path(path: str | os.PathLike[str]) -> Path:
    """A fresh temporary path beside ``path`` for writers that need a file name (PDF)."""
    target = Path(path)
    handle, temp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=target.suffix,
                                         dir=target.parent if str(target.parent) else ".")
    os.close(handle)
    return Path(temp_name)


def replace_from_temp(temp: Path, path: str | os.PathLike[str]) -> None:
    """Give a finished temporary file the usual permissions and move it over ``path``."""
    target = Path(path)
    mode = target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask()
    os.chmod(temp, mode)
    os.replace(temp, target)
