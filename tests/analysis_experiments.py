"""Small real experiments for the analysis tests (report, notebooks, browser), built once per session.

``small_experiments(base)`` runs, concurrently, a 2 × 2 × 2 sweep (``baseline``/``full_reform`` ×
one-stop agent service off/on × seeds 0, 1, to 2019-12: a comparison whose swept parameter is
also a two-level lever), a Morris sensitivity experiment with 2 trajectories over a
six-month horizon, and the same design paired with ``baseline`` (the sensitivity of the
effect).  The folders are kept under ``base`` and reused by later calls of the same session (a
``READY`` file marks a finished build).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

BIN = Path(sys.executable).parent
SWEEP = [
    "-m",
    "scenario=baseline,full_reform",
    "policy.devolution.one_stop_agent=false,true",
    "seed=0,1",
    "time.end=2019-12",
    "hydra/launcher=basic",
]
SENSITIVITY = ["--n", "2", "time.end=2015-06", "hydra/launcher=basic"]
READY = "READY"
TIMEOUT_S = 600


def _command(script: str, module: str) -> list[str]:
    exe = BIN / script
    return [str(exe)] if exe.exists() else [sys.executable, "-m", module]


def small_experiments(base: Path) -> dict[str, Path]:
    """``{"experiment": <sweep folder>, "sensitivity": <sensitivity folder>, "sensitivity_effect": <paired
    sensitivity folder>}`` under ``base``, built if needed."""
    folders = {
        "experiment": base / "sweep",
        "sensitivity": base / "sensitivity",
        "sensitivity_effect": base / "sensitivity_effect",
    }
    if (base / READY).exists():
        return folders
    base.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "HYDRA_FULL_ERROR"}
    jobs = {
        "experiment": subprocess.Popen(
            _command("zonesim", "sim.runner.cli") + SWEEP + [f"hydra.sweep.dir={folders['experiment']}"],
            cwd=base,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
        "sensitivity": subprocess.Popen(
            _command("zonesim-sensitivity", "sim.experiments.sensitivity")
            + SENSITIVITY
            + ["--dir", str(folders["sensitivity"])],
            cwd=base,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
        "sensitivity_effect": subprocess.Popen(
            _command("zonesim-sensitivity", "sim.experiments.sensitivity")
            + SENSITIVITY
            + ["--paired-with", "baseline", "--dir", str(folders["sensitivity_effect"])],
            cwd=base,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        ),
    }
    for name, job in jobs.items():
        out, _ = job.communicate(timeout=TIMEOUT_S)
        # the sensitivity command exits 1 when an outcome cannot be analysed (no approval completes in
        # six months); the folder is still a complete sensitivity experiment
        if job.returncode not in (0, 1) or not folders[name].is_dir():
            pytest.fail(f"building the small {name} failed (status {job.returncode}):\n{out[-3000:]}")
    (base / READY).write_text("")
    return folders
