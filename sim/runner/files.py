"""Safe files: whole-or-nothing writes, private staging names, the ``DONE`` record, the sweep lock.

The project's rules for results on disk, in one place:

* a file is written whole or not at all: :func:`atomic_write` writes to a private temporary name
  in the same folder, flushes it to disk and renames it into place (a reader sees the old file or
  the new one, never half of one);
* two processes never share a staging path: :func:`private_name` adds the host, the process id
  and a random token, so a name also tells whose it is and :func:`clean_stale` can remove the
  leftovers of dead processes;
* a run folder is complete when its ``DONE`` file lists every file of the run with its size and
  SHA-256 (:func:`write_done`); :func:`check_done` verifies it before a result is reused;
* one sweep at a time writes into a sweep folder (:class:`SweepLock`, an ``flock`` on
  ``<folder>/.lock``; released by the kernel when the process ends, however it ends).

Imports no model code: the analysis layer uses it too.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import json
import logging
import os
import re
import secrets
import shutil
import socket
import time
from collections.abc import Callable, Iterator
from pathlib import Path

log = logging.getLogger("zonesim")

DONE = "DONE"  # the record written last into a complete run folder
DONE_FORMAT = 1
LOCK = ".lock"
STALE_FOREIGN_S = 24 * 3600  # leftovers of another host's process: removed after a day
_HOST = re.sub(r"[^A-Za-z0-9-]", "-", socket.gethostname()) or "host"
_PRIVATE = re.compile(
    r"^\.(?P<name>.+)\.(?P<host>[A-Za-z0-9-]+)\.(?P<pid>\d+)\.(?P<token>[0-9a-f]{8})\."
    r"(?P<kind>partial|tmp|old)$"
)


# --------------------------------------------------------------------------- private names
def private_name(name: str, kind: str) -> str:
    """``.<name>.<host>.<pid>.<token>.<kind>``: hidden, unique to this process, parseable by :func:`clean_stale`."""
    return f".{name}.{_HOST}.{os.getpid()}.{secrets.token_hex(4)}.{kind}"


def check_writable(folder: Path) -> None:
    """Create ``folder`` if needed and write (then remove) a private probe file in it: an
    ``OSError`` here, before a run, instead of after it."""
    folder.mkdir(parents=True, exist_ok=True)
    probe = folder / private_name("probe", "tmp")
    probe.write_bytes(b"")
    probe.unlink()


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _is_stale(path: Path, now: float) -> bool:
    m = _PRIVATE.match(path.name)
    if not m:
        return False
    if m["host"] == _HOST:
        return int(m["pid"]) != os.getpid() and not _pid_alive(int(m["pid"]))
    try:
        return now - path.lstat().st_mtime > STALE_FOREIGN_S
    except OSError:
        return False


def clean_stale(*folders: Path) -> int:
    """Remove the private staging folders and temporary files (:func:`private_name`) in ``folders``
    left by processes that are gone (this host: the process no longer exists; another host: older
    than a day).  Returns how many were removed."""
    now, removed = time.time(), 0
    for folder in folders:
        try:
            entries = list(Path(folder).iterdir())
        except OSError:
            continue
        for path in entries:
            if _is_stale(path, now):
                if path.is_dir() and not path.is_symlink():
                    shutil.rmtree(path, ignore_errors=True)
                else:
                    path.unlink(missing_ok=True)
                removed += 1
    if removed:
        log.info("removed %d staging leftovers of processes that ended", removed)
    return removed


# --------------------------------------------------------------------------- whole-or-nothing writes
def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_write(path: str | Path) -> Iterator[Path]:
    """Yield a private temporary path beside ``path``; on success it replaces ``path`` whole.

    On any error the temporary file is removed and ``path`` is left as it was::

        with atomic_write(out / "runs.parquet") as tmp:
            frame.to_parquet(tmp)
    """
    path = Path(path)
    tmp = path.with_name(private_name(path.name, "tmp"))
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(path: str | Path, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``path`` whole or not at all."""
    with atomic_write(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | Path, data) -> Path:
    """Write ``data`` as indented JSON (non-ASCII kept) to ``path`` whole or not at all."""
    return write_text(path, json.dumps(data, indent=2, ensure_ascii=False, default=str))


def write_frame(frame, path: str | Path) -> Path:
    """Write a DataFrame as Parquet (``.parquet``) or CSV (any other suffix), without its index,
    whole or not at all."""
    path = Path(path)
    with atomic_write(path) as tmp:
        if path.suffix == ".parquet":
            frame.to_parquet(tmp, index=False)
        else:
            frame.to_csv(tmp, index=False)
    return path


# --------------------------------------------------------------------------- the DONE record
def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def write_done(folder: Path) -> dict:
    """Write ``folder/DONE``: every other file of the folder with its size and SHA-256."""
    files = {
        p.name: {"size": p.stat().st_size, "sha256": sha256_file(p)}
        for p in sorted(folder.iterdir())
        if p.is_file() and p.name != DONE and not p.name.startswith(".")
    }
    record = {"format": DONE_FORMAT, "files": files}
    write_json(folder / DONE, record)
    return record


def read_done(folder: Path) -> dict | None:
    """The ``DONE`` record of ``folder``; None if there is none; ``{}`` if it lists no files
    (an empty marker of an older version, or a damaged record)."""
    try:
        text = (folder / DONE).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError):
        return {}
    try:
        record = json.loads(text)
    except ValueError:
        return {}
    return record if isinstance(record, dict) and isinstance(record.get("files"), dict) else {}


def check_done(folder: Path, *, hashes: bool = True, legacy: bool = False) -> str | None:
    """Why ``folder`` is not a complete run (None if it is): no ``DONE``, a ``DONE`` that lists no
    files, or a listed file missing, of another size or (``hashes``) of other content.

    ``legacy`` accepts the empty ``DONE`` marker of older versions (for reading old experiments;
    a resume never does: it recomputes such a run)."""
    record = read_done(folder)
    if record is None:
        return "not complete (no DONE)"
    if not record:
        if legacy and (folder / DONE).stat().st_size == 0:
            return None
        return "its DONE lists no files (an older or damaged record)"
    for name, want in sorted(record["files"].items()):
        path = folder / name
        try:
            size = path.stat().st_size
        except OSError:
            return f"{name} is missing"
        if size != want.get("size"):
            return f"{name} has {size} bytes, {want.get('size')} recorded"
        if hashes and sha256_file(path) != want.get("sha256"):
            return f"{name} has other content than recorded (SHA-256 differs)"
    return None


# --------------------------------------------------------------------------- publishing a staged folder
def publish_folder(stage: Path, target: Path, is_complete: Callable[[Path], bool]) -> None:
    """Move the finished staging folder ``stage`` to ``target`` in one rename.

    An existing ``target`` (an incomplete or damaged run) is first renamed aside under a private
    name and removed afterwards; when another process has meanwhile put a complete folder there
    (``is_complete``), that one is kept and ``stage`` discarded: both hold the same results.
    """
    for _ in range(5):
        try:
            os.rename(stage, target)
            return
        except OSError as exc:
            if exc.errno not in (errno.ENOTEMPTY, errno.EEXIST):
                raise
        if is_complete(target):
            shutil.rmtree(stage, ignore_errors=True)
            return
        aside = target.with_name(private_name(target.name, "old"))
        try:
            os.rename(target, aside)
        except FileNotFoundError:
            continue
        shutil.rmtree(aside, ignore_errors=True)
    raise OSError(errno.EBUSY, f"could not move {stage.name} into place: {target} keeps changing")


def publish_files(stage: Path, target: Path) -> None:
    """Move the files of ``stage`` into the existing folder ``target`` one by one, ``DONE`` last
    (removed first: until the new one lands, the folder reads as incomplete)."""
    target.mkdir(parents=True, exist_ok=True)
    (target / DONE).unlink(missing_ok=True)
    for f in sorted(stage.iterdir()):
        if f.name != DONE:
            os.replace(f, target / f.name)
    os.replace(stage / DONE, target / DONE)
    stage.rmdir()


# --------------------------------------------------------------------------- the sweep lock
class SweepLock:
    """An exclusive ``flock`` on ``<folder>/.lock``: one sweep at a time writes into a folder.

    A second sweep into the same folder waits (one line says for whom) until the first ends, then
    goes on: it finds the first one's runs complete and reuses them.  The kernel releases the lock
    when the holding process ends, even by ``kill -9``.
    """

    def __init__(self, folder: str | Path) -> None:
        self.path = Path(folder) / LOCK
        self._fd: int | None = None

    def acquire(self) -> SweepLock:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                holder = os.pread(fd, 200, 0).decode(errors="replace").strip() or "another process"
                log.warning("another sweep (%s) is writing into %s: waiting for it to finish", holder, self.path.parent)
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)  # who holds it, for the message above: informational only
            os.pwrite(fd, f"pid {os.getpid()} on {socket.gethostname()}".encode(), 0)
        except BaseException:
            os.close(fd)
            raise
        self._fd = fd
        return self

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)  # closing the descriptor drops the flock
            self._fd = None

    def __enter__(self) -> SweepLock:
        return self.acquire()

    def __exit__(self, *exc) -> None:
        self.release()


def write_documented(frame, path: str | Path, table: str, parameters=None) -> Path:
    """Write a table zonesim documents (:mod:`sim.vocabulary`) whole or not at all: Parquet with
    each column's unit and description in the schema metadata, or CSV.  A column the data
    dictionary does not know is an error, so every column written is documented."""
    from sim.vocabulary import column, write_parquet

    path = Path(path)
    with atomic_write(path) as tmp:
        if path.suffix == ".parquet":
            write_parquet(frame, tmp, table, parameters)
        else:
            for name in frame.columns:
                column(table, name, parameters)
            frame.to_csv(tmp, index=False)
    return path
