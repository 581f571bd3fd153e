"""A sweep killed at random points ends as an uninterrupted one (issue 17, acceptance c).

The sweep is ``zonesim -m scenario=baseline,full_reform seed=0,1 time.end=2016-12`` (four ~0.2 s
runs; the end-of-sweep callback writes ``manifest.json`` and ``aggregate/``, figures included).
Every sweep of this file is written to ``hydra.sweep.dir=sweep`` relative to a folder of its own,
so that the folder name the aggregate records (``meta.json``, ``*.md``) is the same in all of them.

* The whole process group of the sweep is killed with SIGKILL at three points drawn from a seeded
  generator (``ZONESIM_KILL_SEED`` picks another draw): while the first run is being written, after
  k of the 4 runs are complete, and during the aggregation; the same command is run again after
  each kill, the last time to its end.  Then every run is complete and verified, nothing was
  recomputed, and the run tables and the aggregate equal those of an uninterrupted sweep.
* One joblib worker is killed while it writes a run (its pid is in its staging folder's name).
* A truncated aggregate table and manifest of a complete sweep are rewritten by a re-run.
  (A truncated table of a complete run: ``tests/test_reliability.py``.)
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from sim.experiments.aggregate import AGGREGATE_DIR
from sim.runner.files import check_done
from sim.runner.jobs import FAILURES, RUNS
from tests.test_reliability import assert_same_tables, completed, finish, hidden_leftovers

N_RUNS = 4
SWEEP = ["-m", "scenario=baseline,full_reform", "seed=0,1", "time.end=2016-12", "hydra.sweep.dir=sweep"]
BASIC = [*SWEEP, "hydra/launcher=basic"]
SEED = int(os.environ.get("ZONESIM_KILL_SEED", "17"))
POLL_S = 0.002  # a run's staging folder lives ~0.1 s
WAIT_S = 120  # for a sweep to reach a kill point
# What legitimately differs between two sweeps of the same runs: clock times and wall times.
RUN_OUTCOMES_TIMING = ["wall_seconds"]  # run_outcomes.parquet: each run's compute time (from its run.json)
MANIFEST_TIMING = {"started", "ended", "wall_seconds"}  # manifest.json: of the sweep and of each run


# --------------------------------------------------------------------------- processes
def start(args: list[str], cwd: Path) -> subprocess.Popen:
    """``zonesim <args>`` in ``cwd``, in a process group of its own (its workers too)."""
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    return subprocess.Popen(
        [sys.executable, "-m", "sim.runner.cli", *args],
        cwd=cwd,
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def _kill_group(proc: subprocess.Popen) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:  # the group has ended
        pass


def end(proc: subprocess.Popen) -> tuple[int, str]:
    """Wait for ``proc`` (failing the test after test_reliability's time-out); its status and output.
    Whatever is left of its process group (a worker) is killed."""
    try:
        return finish(proc)
    finally:
        _kill_group(proc)


def kill(proc: subprocess.Popen) -> tuple[int, str]:
    """``kill -9`` the whole process group of the sweep ``proc``; its status and output."""
    _kill_group(proc)
    return end(proc)


def wait_until(proc: subprocess.Popen, condition, what: str) -> None:
    deadline = time.time() + WAIT_S
    while not condition():
        ended = proc.poll() is not None
        if ended or time.time() > deadline:
            _, out = kill(proc)
            pytest.fail(
                f"the sweep {'ended' if ended else f'did not reach it in {WAIT_S} s'} before {what}:\n{out[-4000:]}"
            )
        time.sleep(POLL_S)


# --------------------------------------------------------------------------- sweep folders
def staging(sweep: Path) -> list[Path]:
    """The private staging folders of runs being written (or left by a dead process)."""
    return sorted((sweep / RUNS).glob(".*.partial"))


def staging_pid(stage: Path) -> int:
    """The process that writes ``stage`` (``.<key>.<host>.<pid>.<token>.partial``)."""
    return int(stage.name.rsplit(".", 3)[1])


def assert_runs_whole(sweep: Path) -> None:
    """Every run folder in place verifies: a kill never leaves half a run where a resume looks."""
    for folder in (sweep / RUNS).glob("[!.]*"):
        assert check_done(folder) is None, folder.name


def files_under(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())


def untimed(manifest: dict) -> dict:
    """``manifest`` without :data:`MANIFEST_TIMING`, its own and its runs'."""

    def drop(d: dict) -> dict:
        return {k: v for k, v in d.items() if k not in MANIFEST_TIMING}

    return drop(manifest) | {"runs": [drop(r) for r in manifest["runs"]]}


def assert_same_aggregate(sweep: Path, reference: Path) -> None:
    """The same aggregate files (figures too); tables equal exactly but for the timing columns."""
    agg, ref = sweep / AGGREGATE_DIR, reference / AGGREGATE_DIR
    assert files_under(agg) == files_under(ref)
    for name in files_under(ref):
        if name.endswith(".parquet"):
            got, want = pd.read_parquet(agg / name), pd.read_parquet(ref / name)
            if name == "run_outcomes.parquet":
                got, want = got.drop(columns=RUN_OUTCOMES_TIMING), want.drop(columns=RUN_OUTCOMES_TIMING)
            pd.testing.assert_frame_equal(got, want, check_exact=True, obj=f"aggregate/{name}")
        else:  # CSV, Markdown, meta.json, PNG: byte for byte
            assert (agg / name).read_bytes() == (ref / name).read_bytes(), f"aggregate/{name} differs"
    manifest = json.loads((sweep / "manifest.json").read_text())
    assert untimed(manifest) == untimed(json.loads((reference / "manifest.json").read_text()))


def assert_complete_and_equal(sweep: Path, reference: Path, status: int, out: str, leftovers: bool = False) -> None:
    """The sweep ended well: every run complete and verified, no failure record, run tables and
    aggregate equal to the uninterrupted reference's; no staging leftover unless ``leftovers``."""
    assert status == 0, out[-4000:]
    assert len(completed(sweep)) == N_RUNS
    assert_same_tables(sweep, reference)  # each run verified (sizes and SHA-256) and its tables equal
    assert not any((sweep / FAILURES).glob("*")), sorted((sweep / FAILURES).iterdir())
    manifest = json.loads((sweep / "manifest.json").read_text())
    assert sorted(r["key"] for r in manifest["runs"]) == sorted(completed(sweep)) and not manifest["failures"]
    assert_same_aggregate(sweep, reference)
    assert leftovers or not hidden_leftovers(sweep)


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The uninterrupted sweep, started at once in the background: call the fixture's value to
    wait for it and get its folder."""
    cwd = tmp_path_factory.mktemp("reference")
    proc = start(BASIC, cwd)
    result: list[tuple[int, str]] = []

    def folder() -> Path:
        if not result:
            result.append(end(proc))
        status, out = result[0]
        assert status == 0, f"the reference sweep failed:\n{out[-4000:]}"
        return cwd / "sweep"

    yield folder
    if not result:
        kill(proc)


# --------------------------------------------------------------------------- kill -9 of the sweep
def test_sweep_killed_at_three_random_points_ends_equal_to_an_uninterrupted_one(reference, tmp_path):
    rng = random.Random(f"{SEED}-sweep")
    plan = {
        "after_staging_s": rng.uniform(0, 0.03),
        "k": rng.randint(1, N_RUNS - 1),
        "after_k_s": rng.uniform(0, 0.1),
        "into_aggregation_s": rng.uniform(0, 2.0),
    }
    sweep = tmp_path / "sweep"

    # 1. while the first run is being written: its staging folder is there, no run is complete
    proc = start(BASIC, tmp_path)
    wait_until(proc, lambda: staging(sweep) and not completed(sweep), "the first run's staging folder")
    time.sleep(plan["after_staging_s"])
    kill(proc)
    left = staging(sweep)
    assert left and not completed(sweep), f"{plan}: the kill missed the first run's writing"
    assert_runs_whole(sweep)

    # 2. after k of the runs are complete (the dead process's staging folder is cleaned up)
    proc = start(BASIC, tmp_path)
    wait_until(proc, lambda: len(completed(sweep)) >= plan["k"], f"{plan['k']} complete runs")
    time.sleep(plan["after_k_s"])
    _, out = kill(proc)
    done = completed(sweep)
    assert plan["k"] <= len(done) < N_RUNS, f"{plan}: {len(done)} runs complete at the kill"
    assert "complete, skipped" not in out and "recomputed" not in out, out[-4000:]
    assert not any(p.exists() for p in left)
    assert_runs_whole(sweep)

    # 3. during the aggregation: every run complete, the manifest written, the aggregate not yet whole
    proc = start(BASIC, tmp_path)
    wait_until(proc, lambda: (sweep / "manifest.json").exists(), "the manifest")
    time.sleep(plan["into_aggregation_s"])
    assert proc.poll() is None, f"{plan}: the sweep ended before the kill"
    _, out = kill(proc)
    assert out.count("complete, skipped") == len(done) and "recomputed" not in out, out[-4000:]
    assert len(completed(sweep)) == N_RUNS
    written = files_under(sweep / AGGREGATE_DIR) if (sweep / AGGREGATE_DIR).exists() else []
    assert set(files_under(reference() / AGGREGATE_DIR)) - set(written), f"{plan}: the aggregation had ended"
    assert_runs_whole(sweep)

    # the last re-run: every run reused, the aggregate written anew
    status, out = end(start(BASIC, tmp_path))
    assert out.count("complete, skipped") == N_RUNS and "running scenario" not in out, out[-4000:]
    assert_complete_and_equal(sweep, reference(), status, out)


# --------------------------------------------------------------------------- kill -9 of one worker
@pytest.mark.parametrize("launcher", ["joblib", "zonesim_joblib"])
def test_worker_killed_mid_run_ends_equal_to_an_uninterrupted_sweep(launcher, reference, tmp_path):
    """Hydra's joblib launcher ends the sweep when a worker dies (a traceback, exit status 1): the
    re-run completes it; ``zonesim_joblib`` launches the jobs again itself (complete runs skipped)."""
    sweep = tmp_path / "sweep"
    args = [*SWEEP, f"hydra/launcher={launcher}", "hydra.launcher.n_jobs=2"]
    proc = start(args, tmp_path)
    wait_until(proc, lambda: staging(sweep), "a worker's staging folder")
    stage = staging(sweep)[0]
    victim = staging_pid(stage)
    assert victim != proc.pid and os.getpgid(victim) == proc.pid  # a worker process of this sweep
    os.kill(victim, signal.SIGKILL)
    assert stage.exists(), "the worker had finished writing its run when it was killed"
    status, out = end(proc)
    assert_runs_whole(sweep)
    if launcher == "joblib":
        status, out = end(start(args, tmp_path))
    else:
        assert "a worker process died" in out, out[-4000:]
    assert "recomputed" not in out
    assert_complete_and_equal(sweep, reference(), status, out, leftovers=True)
    # the dead worker's staging folder is gone: the sweep's end (zonesim_joblib) or the re-run's
    # start (joblib) cleans up after processes that ended
    assert not hidden_leftovers(sweep), [p.name for p in hidden_leftovers(sweep)]


# --------------------------------------------------------------------------- truncated aggregate
def test_truncated_aggregate_table_and_manifest_are_rewritten_by_a_re_run(reference, tmp_path):
    sweep = tmp_path / "sweep"
    shutil.copytree(reference(), sweep)
    rng = random.Random(f"{SEED}-aggregate")
    table = (
        sweep
        / AGGREGATE_DIR
        / rng.choice(sorted(p.name for p in (sweep / AGGREGATE_DIR).iterdir() if p.suffix in (".parquet", ".csv")))
    )
    for path in (table, sweep / "manifest.json"):
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    status, out = end(start(BASIC, tmp_path))
    assert out.count("complete, skipped") == N_RUNS, out[-4000:]
    assert_complete_and_equal(sweep, reference(), status, out)
