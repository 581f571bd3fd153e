"""A normal, non-editable install works (issue 16, item 7): the wheel carries the Hydra configuration
(``sim/configs``), and ``zonesim`` runs from an empty folder with it; a run given ``output.dir``
leaves no stray ``outputs/`` folder."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
#: the interpreter the virtual environment was made from: the Makefile installs uv into it
BASE = getattr(sys, "_base_executable", sys.executable)
SKIP = {
    ".git",
    ".venv",
    "multirun",
    "outputs",
    "build",
    "dist",
    "__pycache__",
    ".pytest_cache",
    ".hypothesis",
    "node_modules",
}


def _uv(*args, **kw):
    return subprocess.run([BASE, "-m", "uv", *args], capture_output=True, text=True, timeout=600, **kw)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel built from a copy of the source tree, installed (without dependencies: the test
    environment has them) into a folder of its own."""
    if _uv("--version").returncode != 0:
        pytest.skip(f"uv is not installed for {BASE} (the Makefile installs it)")
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "src"
    shutil.copytree(ROOT, src, ignore=lambda _d, names: [n for n in names if n in SKIP or n.endswith(".egg-info")])
    built = _uv("build", "--out-dir", str(tmp / "dist"), str(src))
    assert built.returncode == 0, built.stderr[-3000:]
    wheel = next((tmp / "dist").glob("zonesim-*.whl"))
    target = tmp / "site"
    done = _uv("pip", "install", "--no-deps", "--python", sys.executable, "--target", str(target), str(wheel))
    assert done.returncode == 0, done.stderr[-3000:]
    return wheel, target


def _zonesim(target: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    """``zonesim ARGS`` with the installed copy first on the path (before the editable checkout)."""
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = (
        "import runpy, sys, sim; print('package:', sim.__file__); "
        f"sys.argv = ['zonesim', *{list(args)!r}]; runpy.run_module('sim.runner.entry', run_name='__main__')"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, env=env, capture_output=True, text=True, timeout=600)


def test_the_wheel_carries_the_configuration(installed):
    wheel, _target = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped = {n.removeprefix("sim/configs/") for n in names if n.startswith("sim/configs/") and n.endswith(".yaml")}
    expected = {p.relative_to(ROOT / "configs").as_posix() for p in (ROOT / "configs").rglob("*.yaml")}
    assert shipped == expected
    assert "sim/data/ningxia/approval_items.csv" in names
    assert any(n.startswith("hydra_plugins/zonesim_launcher/") for n in names)


def test_an_installed_zonesim_runs_from_an_empty_folder(installed, tmp_path):
    _wheel, target = installed
    res = _zonesim(target, tmp_path, "seed=1", "time.end=2016-12")
    assert res.returncode == 0, res.stderr[-3000:]
    assert f"package: {target}" in res.stdout  # the installed copy ran, not the checkout
    runs = list((tmp_path / "outputs" / "baseline").glob("*_seed1"))
    assert len(runs) == 1 and (runs[0] / "monthly.parquet").is_file() and (runs[0] / "approvals.parquet").is_file()


def test_a_run_given_an_output_folder_leaves_no_stray_outputs_folder(installed, tmp_path):
    _wheel, target = installed
    res = _zonesim(target, tmp_path, "time.end=2015-06", "output.dir=here")
    assert res.returncode == 0, res.stderr[-3000:]
    assert (tmp_path / "here" / "monthly.parquet").is_file()
    assert not (tmp_path / "outputs").exists()
