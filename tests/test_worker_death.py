"""A sweep survives a dead worker (issue 17, item 5): kill -9 a joblib worker mid-sweep and the
launcher (``hydra/launcher=zonesim_joblib``) launches the jobs again; the sweep ends complete,
with its manifest, no failure records and exit status 0."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from sim.runner.files import check_done

BIN = Path(sys.executable).parent


def _children(pid: int) -> list[int]:
    out = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                out.append(int(entry.name))
    return out


def _loky_worker(root: int) -> int | None:
    """A loky worker process among ``root``'s descendants (not its resource tracker)."""
    todo = [root]
    while todo:
        pid = todo.pop()
        for child in _children(pid):
            try:
                cmd = (Path("/proc") / str(child) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                continue
            if "loky" in cmd and "resource_tracker" not in cmd and "semaphore_tracker" not in cmd:
                return child
            todo.append(child)
    return None


def test_a_killed_worker_is_replaced_and_the_sweep_completes(tmp_path):
    sweep = tmp_path / "sweep"
    cmd = [
        str(BIN / "zonesim"),
        "-m",
        "scenario=baseline",
        "seed=range(8)",
        "time.end=2030-12",
        "hydra/launcher=zonesim_joblib",
        "hydra.launcher.n_jobs=2",
        f"hydra.sweep.dir={sweep}",
    ]
    proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    # once the first run is written the launcher's workers are running jobs: kill one of them
    victim, deadline = None, time.time() + 120
    while victim is None and time.time() < deadline and proc.poll() is None:
        if any((sweep / "runs").glob("*/DONE")):
            victim = _loky_worker(proc.pid)
        time.sleep(0.05)
    assert victim is not None, "no worker process running jobs appeared"
    os.kill(victim, signal.SIGKILL)
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out[-3000:]
    assert "a worker process died" in out
    done = [d for d in (sweep / "runs").iterdir() if d.is_dir() and not d.name.startswith(".")]
    assert len(done) == 8 and all(check_done(d) is None for d in done)
    assert not any((sweep / "failures").glob("*.json"))
    assert (sweep / "manifest.json").exists()
