"""One job of a multirun experiment: resume, failure records and progress.

Inside an experiment folder (Hydra's sweep dir) every run writes to ``runs/<key>/`` where the
key is a hash of its resolved configuration — not Hydra's job number — so re-running the same
command skips the runs whose folder is complete (``DONE``), whatever order or launcher runs
them.  A folder counts as complete only when its ``DONE`` record verifies (every file there,
of the recorded size and SHA-256); one that does not is recomputed, with a line saying why.
Each run is staged in a folder private to its process and renamed into place whole
(:mod:`sim.runner.files`).  A run that raises is recorded in ``failures/<key>.json`` and the
other runs go on; the record is removed once the run completes.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
import traceback
from pathlib import Path

from sim.layout import FAILURES, RUNS, STATE  # noqa: F401 - imported from here by callers
from sim.runner.files import DONE, check_done, write_json
from sim.runner.run import run, run_key

log = logging.getLogger("zonesim")

STATUS = {"exit": 0}  # the exit status the last multirun asks for (set by its callback, read by the entry point)


def failure_key(overrides: list[str]) -> str:
    """Key of a job whose configuration could not be built (hash of its overrides)."""
    return "cfg-" + hashlib.sha1("\n".join(sorted(overrides)).encode()).hexdigest()[:8]


def record_failure(exp_dir: Path, key: str, overrides: list[str], exc: BaseException) -> None:
    folder = exp_dir / FAILURES
    folder.mkdir(parents=True, exist_ok=True)
    info = {
        "key": key,
        "overrides": overrides,
        "error": f"{type(exc).__name__}: {exc}",
        "traceback": "".join(traceback.format_exception(exc)),
    }
    write_json(folder / f"{key}.json", info)


def clear_failures(exp_dir: Path, *keys: str) -> None:
    """Remove the failure records ``keys`` (a run now complete, or its configuration now valid)."""
    for key in keys:
        (exp_dir / FAILURES / f"{key}.json").unlink(missing_ok=True)


def count_done(exp_dir: Path, keys: list[str] | None = None, failed: bool = True) -> int:
    """Jobs of the sweep into ``exp_dir`` that have ended: runs complete (``runs/<key>/DONE``) and,
    with ``failed``, failed (``failures/<key>.json``).  With ``keys`` (the sweep's run keys), only
    those: a folder of a run the sweep does not make (a run of older code, of another sweep into the
    folder) is not counted; without, every one in the folder."""
    runs = [p.parent.name for p in (exp_dir / RUNS).glob(f"*/{DONE}")]
    fails = [p.stem for p in (exp_dir / FAILURES).glob("*.json")] if failed else []
    if keys is None:
        return len(runs) + len(fails)
    mine = set(keys)
    return sum(k in mine for k in runs) + sum(k in mine for k in fails)


def progress(exp_dir: Path, what: str, seconds: float | None) -> None:
    """Log one line per finished job: count done, total, and an estimate of the time left."""
    try:
        state = json.loads((exp_dir / STATE).read_text())
        total, started = int(state["total"]), float(state["started"])
    except (OSError, ValueError, KeyError):
        log.info("[%d done] %s", count_done(exp_dir), what)
        return
    done = count_done(exp_dir, state.get("keys"))
    elapsed = time.time() - started
    new = max(done - int(state.get("done_at_start", 0)), 1)
    eta = elapsed / new * max(total - done, 0)
    took = f" in {seconds:.1f} s" if seconds is not None else ""
    log.info("[%d/%d] %s%s; elapsed %.0f s, ETA %.0f s", done, total, what, took, elapsed, eta)


def run_job(params, region, exp_dir: Path, overrides: list[str]) -> Path | None:
    """Run one job of an experiment into ``runs/<key>/`` unless it is already complete and verified."""
    key = run_key(params)
    out_dir = exp_dir / RUNS / key
    label = " ".join(o for o in overrides if not o.startswith("hydra.")) or "defaults"
    resolved = (key, failure_key(overrides))  # failure records this job makes stale once it completes
    if out_dir.exists():
        problem = check_done(out_dir)
        if problem is None:
            clear_failures(exp_dir, *resolved)
            progress(exp_dir, f"{label}: complete, skipped", None)
            return out_dir
        log.warning("run %s (%s): %s: recomputed", key, label, problem)
    t = time.time()
    try:
        run(params, out_dir, region, overrides=overrides, own_folder=True)
    except Exception as exc:  # noqa: BLE001 - record any failure, let the other runs finish
        log.error("run %s failed: %s", label, exc)
        record_failure(exp_dir, key, overrides, exc)
        progress(exp_dir, f"{label}: FAILED", time.time() - t)
        return None
    clear_failures(exp_dir, *resolved)  # an earlier failure now resolved
    progress(exp_dir, label, time.time() - t)
    return out_dir
