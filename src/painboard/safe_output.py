"""The one rule for every file painboard writes (exports, backups, the dashboard's export).

A file of health data must never land where the user did not ask for it:
- never from a read-only session (a caregiver's forced read-only key may not write files;
  standard output, ``-``, is still allowed),
- never over the database, its WAL or its lock file, nor over any other DuckDB file (a
  backup), whatever the path that leads there (symlinks and hard links are followed),
- never over anything but a regular file (``/dev/null`` or a terminal are not replaced),
- never over an existing file unless the user said so (``--force``),
- written to a private temp file beside the target and renamed into place only whole.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from pathlib import Path
from typing import BinaryIO, Callable, Iterable

from painboard.config import is_remote
from painboard.errors import BadInput, PainboardError

DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


class OutputRefused(PainboardError):
    """A write the safe-output rule does not allow (exit code 1: nothing was wrong with the input)."""


def database_files(db_path: str | Path) -> list[Path]:
    """The database and the files that belong to it (WAL, the sidecar lock)."""
    p = Path(db_path).expanduser().absolute()
    return [p, p.with_name(p.name + ".wal"), p.with_name(p.name + ".lock")]


def _same(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def _is_duckdb_file(path: Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(12)[8:12] == DUCKDB_MAGIC
    except OSError:
        return False


def check_target(out: str | Path, *, protected: Iterable[Path] = (), read_only: bool = False,
                 force: bool = False, field: str = "output") -> Path | None:
    """Where a write may go: a Path, or None for standard output (``-``). Raises otherwise."""
    text = str(out)
    if text == "-":
        return None
    if not text.strip():
        raise BadInput("give a file name (or - for standard output)", field=field)
    if is_remote(text) or "://" in text:
        raise BadInput(f"{text} is a remote location: painboard writes local files only", field=field)
    if read_only:
        raise OutputRefused(f"read-only session: painboard writes no file; use -o - to write to "
                            f"standard output")
    target = Path(text).expanduser().absolute()
    folder = target.parent
    if not folder.is_dir():
        raise BadInput(f"folder {folder} does not exist", field=field)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputRefused(f"cannot write in {folder}: permission denied")
    real = Path(os.path.realpath(target))
    for p in protected:
        if _same(target, p) or real == Path(os.path.realpath(p)):
            raise OutputRefused(f"{target} belongs to the database; painboard never writes over it")
    if os.path.lexists(target):
        try:
            st = os.stat(target)
        except OSError as exc:
            raise OutputRefused(f"{target}: {exc.strerror}") from None
        if stat.S_ISDIR(st.st_mode):
            raise BadInput(f"{target} is a folder", field=field)
        if not stat.S_ISREG(st.st_mode):
            raise OutputRefused(f"{target} is not a regular file; use -o - for standard output")
        if _is_duckdb_file(target):
            raise OutputRefused(f"{target} is a DuckDB database (a painboard database or backup); "
                                f"painboard never writes over one")
        if not force:
            raise OutputRefused(f"{target} already exists; add --force to replace it")
    return target


def write_file(out: str | Path, fn: Callable[[BinaryIO], int], *, protected: Iterable[Path] = (),
               read_only: bool = False, force: bool = False) -> tuple[Path | None, int]:
    """Run ``fn`` on a 0600 temp file; rename it to ``out`` on success, remove it on failure.

    ``out`` "-" spools to a private temp file and then copies it to stdout, so a failing
    exporter writes nothing there either.
    """
    target = check_target(out, protected=protected, read_only=read_only, force=force)
    if target is None:
        folder = Path(tempfile.mkdtemp(prefix="painboard-export-"))
    else:
        folder = target.parent
    fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name if target else 'export'}.", suffix=".part",
                                    dir=folder)  # mkstemp creates the file 0600
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        with open(tmp, "w+b") as fh:  # opened by path so fh.name is the path writers may use
            count = fn(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)  # a writer that replaced the file (DuckDB COPY) must not widen it
        if target is None:
            with open(tmp, "rb") as fh:
                shutil.copyfileobj(fh, sys.stdout.buffer)
            sys.stdout.buffer.flush()
            return None, int(count or 0)
        # Checked again just before the rename: the target may have appeared meanwhile.
        check_target(target, protected=protected, force=force)
        os.replace(tmp, target)
        return target, int(count or 0)
    finally:
        if tmp.exists():
            tmp.unlink()
        if target is None:
            shutil.rmtree(folder, ignore_errors=True)


def private_process() -> None:
    """Files this process creates (the database, its WAL, exports) are the user's alone (0600),
    whatever umask it was started with."""
    os.umask(0o077)


def check_database_file(db_path: str | Path) -> None:
    """Refuse a database (or its WAL), reached directly or through a symlink, that another user
    owns or that is not a regular file: the notes in it are health data, and another user's
    file may be read by them."""
    me = os.geteuid()
    for p in database_files(db_path)[:2]:
        try:
            st = os.stat(p)  # follows symlinks: the file that will really be opened
        except FileNotFoundError:
            continue
        except OSError as exc:
            raise OutputRefused(f"{p}: {exc.strerror}") from None
        if not stat.S_ISREG(st.st_mode):
            raise OutputRefused(f"{p} is not a regular file")
        if st.st_uid != me:
            raise OutputRefused(f"{p} belongs to another user (uid {st.st_uid}): painboard opens only "
                                f"a database you own")
        # A file others may read is made private (0600) by the first open that finds it is a
        # painboard database (store/connection.py): another application's file is left as it is.
