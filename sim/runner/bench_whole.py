"""Whole-process rows of ``zonesim-bench`` (issue 20): what a user waits for, each command timed
as a whole process from start to exit (interpreter start-up, imports, configuration, runs, outputs),
against the issue's goals.

* ``zonesim seed=1``, warm (median of three);
* the main job, ``zonesim experiment=compare`` into an empty folder (all 70 runs, one worker per
  core);
* ``zonesim-sensitivity --n 4 time.end=2019-12`` (52 runs);
* a sweep of 20 runs on one worker and on two: the speed-up;
* the first run in a new process with numba's cache empty (every kernel compiles) and after the
  install step's warm-up (:mod:`sim.runner.warm`) into that cache;
* with ``--fresh-clone``, the main job from a fresh clone of this checkout, the install included
  (``make run``; needs the package registries).

Each row is ``{"row", "value", "goal", "higher", "met", "note"}`` (seconds, or a ratio where the
row says so); :func:`report` formats them.  A command that fails gives a ``FAILED`` row
(:func:`failed_row`) and the bench goes on with the others, writes its summary and exits 1.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

GOALS = {
    "single_run_s": 1.2,
    "main_job_s": 12.0,
    "fresh_clone_s": 75.0,
    "sensitivity_s": 20.0,
    "sweep_speedup": 1.8,
    "compile_after_warm_s": 1.0,
    "national_over_kernel": 2.0,
}
"""Issue 20's goals: seconds of a whole process, or a ratio."""

BIN = Path(sys.executable).parent


def timed(cmd: list[str], env: dict | None = None, cwd: Path | None = None) -> float:
    """Wall seconds of ``cmd`` as a whole process; raises if it fails (its output is kept for the message)."""
    started = time.perf_counter()
    proc = subprocess.run(cmd, env=env, cwd=cwd, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if proc.returncode != 0:
        tail = "\n".join((proc.stdout + proc.stderr).strip().splitlines()[-15:])
        raise RuntimeError(f"bench command failed (exit {proc.returncode}): {' '.join(cmd)}\n{tail}")
    return seconds


def _row(row: str, value: float, goal: float | None, note: str = "", higher_is_better: bool = False) -> dict:
    met = None if goal is None else (value >= goal if higher_is_better else value <= goal)
    return {"row": row, "value": value, "goal": goal, "higher": higher_is_better, "met": met, "note": note}


def failed_row(what: str, exc: BaseException) -> dict:
    """The row of a command that failed (``what``): no value, not met; its note is the error's first
    line (the command) and last line (the cause).  The bench reports it with the others, then exits 1."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()] or [type(exc).__name__]
    note = lines[0] if len(lines) == 1 else f"{lines[0]} ... {lines[-1]}"
    return _row(what, float("nan"), None, note=note[:300]) | {"met": False, "failed": True}


def zonesim(*args: str) -> list[str]:
    return [str(BIN / "zonesim"), *args]


def single_run(tmp: Path, repeats: int = 3) -> dict:
    times = [timed(zonesim("seed=1", f"output.dir={tmp / f'single{i}'}")) for i in range(repeats)]
    return _row("zonesim seed=1, whole process, warm", statistics.median(times), GOALS["single_run_s"])


def main_job(tmp: Path) -> dict:
    seconds = timed(zonesim("experiment=compare", f"hydra.sweep.dir={tmp / 'compare'}"))
    return _row(f"main job (experiment=compare, {os.cpu_count()} cores), warm", seconds, GOALS["main_job_s"])


def sensitivity(tmp: Path) -> dict:
    cmd = [str(BIN / "zonesim-sensitivity"), "--n", "4", "time.end=2019-12", "--dir", str(tmp / "sensitivity")]
    return _row("zonesim-sensitivity --n 4 time.end=2019-12 (52 runs)", timed(cmd), GOALS["sensitivity_s"])


def sweep_speedup(tmp: Path, runs: int = 20) -> list[dict]:
    def sweep(workers: int) -> float:
        return timed(
            zonesim(
                "-m",
                f"seed=range({runs})",
                "hydra/launcher=zonesim_joblib",
                f"hydra.launcher.n_jobs={workers}",
                f"hydra.sweep.dir={tmp / f'sweep{workers}'}",
            )
        )

    one, two = sweep(1), sweep(2)
    return [
        _row(f"sweep of {runs} runs, 1 worker", one, None),
        _row(f"sweep of {runs} runs, 2 workers", two, None),
        _row("sweep speed-up, 2 workers over 1 (ratio)", one / two, GOALS["sweep_speedup"], higher_is_better=True),
    ]


def first_run(tmp: Path, warm_single_s: float) -> list[dict]:
    """A new process's first run with numba's cache empty, then with the cache the install step's
    warm-up wrote (the same folder, ``NUMBA_CACHE_DIR``); its compile time is its excess over
    ``warm_single_s``, the same run's time with the kernels long cached (:func:`single_run`)."""
    cache = tmp / "numba-cache"
    shutil.rmtree(cache, ignore_errors=True)
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    cold = timed(zonesim("seed=1", f"output.dir={tmp / 'cold'}"), env=env)
    shutil.rmtree(cache)
    warm_up = timed([sys.executable, "-m", "sim.runner.warm"], env=env)
    warm = timed(zonesim("seed=1", f"output.dir={tmp / 'warm'}"), env=env)
    return [
        _row("first run, numba cache empty (compiles in the process)", cold, None),
        _row("install step's warm-up (python -m sim.runner.warm)", warm_up, None),
        _row(
            "first run after the warm-up: its compile time (s)",
            max(warm - warm_single_s, 0.0),
            GOALS["compile_after_warm_s"],
            note=f"{warm:.1f} s whole process",
        ),
    ]


def outside_venv(environ: dict, venv_bin: Path = BIN) -> dict:
    """``environ`` as a fresh shell has it: without the virtual environment this command runs in
    (``VIRTUAL_ENV`` and its ``bin`` folder on ``PATH``), so that the clone's ``make`` finds the
    machine's ``python3``, as a user's fresh machine would, not this environment's (which has no pip)."""
    env = {k: v for k, v in environ.items() if k != "VIRTUAL_ENV"}
    if "PATH" in env:
        venvs = {Path(venv_bin).resolve()}
        if environ.get("VIRTUAL_ENV"):
            venvs.add((Path(environ["VIRTUAL_ENV"]) / "bin").resolve())
        env["PATH"] = os.pathsep.join(d for d in env["PATH"].split(os.pathsep) if d and Path(d).resolve() not in venvs)
    return env


def fresh_clone(tmp: Path, source: Path) -> dict:
    """``make run`` in a fresh clone of ``source`` (its committed HEAD), the install included, as
    from a fresh shell (:func:`outside_venv`), whether or not the bench runs in an activated environment."""
    clone = tmp / "clone"
    subprocess.run(["git", "clone", "--quiet", str(source), str(clone)], check=True)
    seconds = timed(["make", "run"], env=outside_venv(dict(os.environ)), cwd=clone)
    return _row("main job from a fresh clone, install included (make run)", seconds, GOALS["fresh_clone_s"])


def national_over_kernel(case: dict) -> dict:
    """The national case's run ÷ (the bare numpy kernel's month × months)."""
    ratio = case["run_s"] / (case["kernel_ms_per_month"] / 1e3 * case["months"])
    note = f"{case['run_s']:.1f} s vs {case['kernel_ms_per_month']:.1f} ms x {case['months']} months"
    return _row("national run / numpy kernel (ratio)", ratio, GOALS["national_over_kernel"], note=note)


def kernel_line(row: dict) -> str:
    """The line the bench prints for :func:`national_over_kernel`'s row."""
    return f"national run / numpy kernel = {row['value']:.2f} (target <= {row['goal']:g})"


def report(rows: list[dict]) -> str:
    """The rows as text: value, goal and verdict, one line each (seconds unless the row says ratio)."""
    lines = ["whole processes (issue 20; seconds unless a ratio):"]
    for r in rows:
        goal = "" if r["goal"] is None else f"  (goal {'>=' if r['higher'] else '<='} {r['goal']:g})"
        if r.get("failed"):
            met = "  FAILED"
        else:
            met = "" if r["met"] is None else ("  ok" if r["met"] else "  NOT MET")
        note = f"  [{r['note']}]" if r["note"] else ""
        lines.append(f"  {r['row']:<58} {r['value']:8.2f}{goal}{met}{note}")
    return "\n".join(lines)
