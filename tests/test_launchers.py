"""Scale-out launchers (``configs/hydra/launcher/``): Ray on this machine, a Ray cluster, SLURM.

The launchers come with the ``cluster`` extra (``pip install -e ".[cluster]"``); without it
these tests skip. Fast tests compose every launcher file (no Ray, no SLURM is started). The
``slow`` test starts a private Ray instance (~10-25 s, ~0.6 GB) and checks that a sweep gives the
same tables as under Hydra's basic launcher: same seeds, same results, whatever the launcher.
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import pandas as pd
import pytest
from hydra import compose, initialize_config_dir
from hydra.core.global_hydra import GlobalHydra
from hydra.utils import instantiate

from sim.config.schema import register_configs

REPO = Path(__file__).resolve().parents[1]
CONFIG_DIR = REPO / "configs"
LAUNCHER_DIR = CONFIG_DIR / "hydra" / "launcher"
register_configs()

RAY_TARGET = "hydra_plugins.hydra_ray_launcher.ray_launcher.RayLauncher"
SLURM_TARGET = "hydra_plugins.hydra_submitit_launcher.submitit_launcher.SlurmLauncher"
# launcher file -> (plugin module it needs, launcher class it must select)
LAUNCHERS = {
    "ray_local": ("hydra_plugins.hydra_ray_launcher", RAY_TARGET),
    "ray_cluster": ("hydra_plugins.hydra_ray_launcher", RAY_TARGET),
    "slurm": ("hydra_plugins.hydra_submitit_launcher", SLURM_TARGET),
}
SWEEP = ["-m", "seed=0,1", "time.end=2016-12"]  # two short runs (24 months each)
TIMEOUT = 300  # seconds for one zonesim command


def compose_launcher(*overrides: str):
    """The full config (with ``hydra``) of ``zonesim <overrides>``."""
    GlobalHydra.instance().clear()
    with initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="zonesim"):
        return compose(config_name="config", overrides=list(overrides), return_hydra_config=True)


@pytest.fixture
def hydra_config():
    """Set Hydra's global HydraConfig (as in a job) for the test, and clear it afterwards."""
    from hydra.core.hydra_config import HydraConfig

    yield HydraConfig.instance().set_config
    HydraConfig.instance().cfg = None


def need_plugin(name: str) -> None:
    pytest.importorskip(LAUNCHERS[name][0], reason="the `cluster` extra is not installed")


# ---------------------------------------------------------------------------- fast: configs


def test_every_launcher_file_is_known():
    """A launcher file added later gets a line in LAUNCHERS (and so in the tests below)."""
    assert {p.stem for p in LAUNCHER_DIR.glob("*.yaml")} == set(LAUNCHERS)


@pytest.mark.parametrize("name", sorted(LAUNCHERS))
def test_launcher_composes_and_instantiates(name, hydra_config):
    need_plugin(name)
    cfg = compose_launcher(f"hydra/launcher={name}")
    launcher_cfg = cfg.hydra.launcher
    assert launcher_cfg._target_ == LAUNCHERS[name][1]
    first = (LAUNCHER_DIR / f"{name}.yaml").read_text().splitlines()[0]
    assert first.startswith("#"), f"{name}.yaml should start with a comment giving the command"
    hydra_config(cfg)  # for ${hydra.sweep.dir} in submitit's folder
    launcher = instantiate(launcher_cfg)  # only stores its settings: starts nothing
    assert type(launcher).__name__ == LAUNCHERS[name][1].rsplit(".", 1)[1]


def test_ray_local_starts_a_private_instance_without_dashboard():
    need_plugin("ray_local")
    init = compose_launcher("hydra/launcher=ray_local").hydra.launcher.ray.init
    assert init.address == "local"  # a new instance, never a running cluster (as null or auto would)
    assert init.include_dashboard is False
    assert init._node_ip_address == "127.0.0.1"
    cfg = compose_launcher("hydra/launcher=ray_local", "hydra.launcher.ray.init.num_cpus=2")
    assert cfg.hydra.launcher.ray.init.num_cpus == 2
    assert cfg.hydra.launcher.ray.remote.num_cpus == 1


def test_ray_cluster_address_comes_from_ray_address(monkeypatch):
    need_plugin("ray_cluster")
    monkeypatch.delenv("RAY_ADDRESS", raising=False)
    init = compose_launcher("hydra/launcher=ray_cluster").hydra.launcher.ray.init
    assert init.address == "auto"
    monkeypatch.setenv("RAY_ADDRESS", "10.1.2.3:6379")
    init = compose_launcher("hydra/launcher=ray_cluster").hydra.launcher.ray.init
    assert init.address == "10.1.2.3:6379"
    # ray.init refuses to join an existing cluster with any of these set; the plugin's own default
    # object_store_memory (for a local instance) must be overridden by an explicit null.
    assert "object_store_memory" in init and init.object_store_memory is None
    assert all(init.get(k) is None for k in ("num_cpus", "num_gpus", "resources", "_system_config"))


def test_slurm_settings_become_sbatch_lines(tmp_path, monkeypatch, hydra_config):
    """The SLURM file's placeholders and command-line overrides reach the sbatch script.

    submitit only checks that ``srun`` exists before it writes a script: a stub on PATH stands
    in for SLURM; nothing is submitted.
    """
    need_plugin("slurm")
    submitit = pytest.importorskip("submitit")
    from hydra_plugins.hydra_submitit_launcher.config import BaseQueueConf
    from omegaconf import OmegaConf

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "srun").write_text("#!/bin/sh\nexit 0\n")
    (bin_dir / "srun").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")

    cfg = compose_launcher(
        "hydra/launcher=slurm",
        f"hydra.sweep.dir={tmp_path / 'sweep'}",
        "hydra.launcher.partition=short",
        "hydra.launcher.timeout_min=30",
        "hydra.launcher.account=proj42",
        "hydra.launcher.setup=[module load python]",
    )
    hydra_config(cfg)
    params = instantiate(cfg.hydra.launcher).params
    # as SlurmLauncher.launch builds its executor
    executor = submitit.AutoExecutor(
        cluster="slurm", folder=params["submitit_folder"], slurm_max_num_timeout=params["max_num_timeout"]
    )
    base = set(OmegaConf.structured(BaseQueueConf).keys())
    executor.update_parameters(
        **{
            k if k in base else f"slurm_{k}": v
            for k, v in params.items()
            if k not in {"submitit_folder", "max_num_timeout"}
        }
    )
    script = executor._executor._make_submission_file_text("python -u -m submitit.core._submit X", "uid")
    for line in (
        "#SBATCH --partition=short",
        "#SBATCH --time=30",
        "#SBATCH --account=proj42",
        "#SBATCH --cpus-per-task=1",
        "#SBATCH --mem=2GB",
        "#SBATCH --job-name=zonesim",
        f"#SBATCH --output={tmp_path / 'sweep'}/.submitit/%j/%j_0_log.out",
        "module load python",
    ):
        assert line in script.splitlines(), f"{line!r} not in\n{script}"


@pytest.mark.parametrize("name", sorted(LAUNCHERS))
def test_command_line_launcher_beats_the_experiment_file(name):
    """``zonesim experiment=compare hydra/launcher=<name>``: the command line picks the launcher.

    Hydra applies command-line group overrides last, so the experiment's
    ``override /hydra/launcher: zonesim_joblib`` loses. The experiment must not also set joblib-only keys
    (``hydra.launcher.n_jobs``): merged into another launcher's schema they are an error.
    """
    need_plugin(name)
    cfg = compose_launcher("experiment=compare", f"hydra/launcher={name}")
    assert cfg.hydra.launcher._target_ == LAUNCHERS[name][1]
    assert str(cfg.hydra.mode) == "RunMode.MULTIRUN"
    assert "scenario" in cfg.hydra.sweeper.params and "seed" in cfg.hydra.sweeper.params


# ---------------------------------------------------------------------------- slow: Ray


def tagged_pids(tag: str) -> list[int]:
    """Processes (Ray's GCS, raylet, workers, ...) that inherited ``ZONESIM_TEST_TAG=<tag>``."""
    needle = f"ZONESIM_TEST_TAG={tag}".encode()
    pids = []
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                if needle in (proc / "environ").read_bytes().split(b"\0"):
                    pids.append(int(proc.name))
            except OSError:
                continue
    return pids


def run_zonesim(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``zonesim <args>`` in its own process group, killed (group and tagged children) on time-out."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "sim.runner.cli", *args],
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        out, _ = proc.communicate(timeout=TIMEOUT)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        for pid in tagged_pids(env["ZONESIM_TEST_TAG"]):
            os.kill(pid, signal.SIGKILL)
        out, _ = proc.communicate()
        pytest.fail(f"zonesim {' '.join(args)} did not finish in {TIMEOUT} s:\n{out[-5000:]}")
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, None)


def completed_runs(sweep_dir: Path) -> dict[str, Path]:
    return {done.parent.name: done.parent for done in (sweep_dir / "runs").glob("*/DONE")}


@pytest.fixture(scope="module")
def basic_sweep(tmp_path_factory) -> Path:
    """The reference: the 2-run sweep under Hydra's basic launcher (one after the other, in-process)."""
    folder = tmp_path_factory.mktemp("basic")
    env = {**os.environ, "ZONESIM_TEST_TAG": uuid.uuid4().hex}
    done = run_zonesim([*SWEEP, "hydra/launcher=basic", "hydra.sweep.dir=sweep"], folder, env)
    assert done.returncode == 0, done.stdout[-5000:]
    assert len(completed_runs(folder / "sweep")) == 2
    return folder / "sweep"


def assert_same_runs(sweep: Path, reference: Path) -> None:
    """Both sweeps completed the same runs (by key) with equal tables, and no run failed."""
    runs, expected = completed_runs(sweep), completed_runs(reference)
    assert runs.keys() == expected.keys(), (sorted(runs), sorted(expected))
    failures = sweep / "failures"
    assert not failures.exists() or not any(failures.iterdir()), sorted(failures.iterdir())
    for key, folder in expected.items():
        tables = sorted(p.name for p in folder.glob("*.parquet"))
        assert "monthly.parquet" in tables
        assert tables == sorted(p.name for p in runs[key].glob("*.parquet"))
        for name in tables:
            pd.testing.assert_frame_equal(
                pd.read_parquet(runs[key] / name), pd.read_parquet(folder / name), check_exact=True, obj=f"{key}/{name}"
            )
    # the end-of-sweep callback (in the launching process) saw the runs the workers wrote
    manifest = json.loads((sweep / "manifest.json").read_text())
    assert sorted(r["key"] for r in manifest["runs"]) == sorted(runs)


def assert_no_process_left(tag: str, what: str) -> None:
    """No process started by the command survives it (waits up to 30 s; kills and fails if one does)."""
    deadline = time.time() + 30
    while (left := tagged_pids(tag)) and time.time() < deadline:
        time.sleep(0.5)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert not left, f"{what} left processes behind: {left}"


@pytest.mark.slow
def test_ray_local_sweep_equals_basic_launcher(tmp_path, basic_sweep):
    """Same seeds, same tables: the 2-run sweep on a private Ray instance and under the basic launcher.

    The sweep folder is relative, as in ``zonesim experiment=compare hydra/launcher=ray_local``:
    Ray's workers must write where the command runs. Ray must leave no process behind.
    """
    pytest.importorskip("ray", reason="the `cluster` extra is not installed")
    need_plugin("ray_local")
    tag = uuid.uuid4().hex
    # Ray's session folder holds Unix sockets (paths < 108 bytes): a short folder of our own.
    ray_tmp = Path(tempfile.mkdtemp(prefix="zr-", dir="/tmp"))
    env = {
        **os.environ,
        "RAY_AUTH_MODE": "disabled",  # else Ray turns token auth on, writes ~/.ray/auth_token
        "RAY_USAGE_STATS_ENABLED": "0",
        "ZONESIM_TEST_TAG": tag,
    }
    env.pop("RAY_ADDRESS", None)
    try:
        t = time.time()
        done = run_zonesim(
            [
                *SWEEP,
                "hydra/launcher=ray_local",
                "hydra.launcher.ray.init.num_cpus=2",
                f"+hydra.launcher.ray.init._temp_dir={ray_tmp}",
                "hydra.sweep.dir=sweep",
            ],
            tmp_path,
            env,
        )
        print(f"ray_local sweep of 2 runs: {time.time() - t:.1f} s")
        assert done.returncode == 0, done.stdout[-5000:]
        assert "Started a local Ray instance" in done.stdout, done.stdout[-5000:]
        assert_no_process_left(tag, "Ray")
    finally:
        shutil.rmtree(ray_tmp, ignore_errors=True)
    assert_same_runs(tmp_path / "sweep", basic_sweep)


# A stand-in for SLURM's commands, enough for submitit: sbatch runs the array's tasks one after
# the other in a background process, srun runs its command, sacct reports the states.
FAKE_SLURM = {
    "sbatch": """\
import os, re, subprocess, sys
from pathlib import Path
state = Path(os.environ["FAKE_SLURM_STATE"]); state.mkdir(parents=True, exist_ok=True)
script = Path(sys.argv[-1]); text = script.read_text()
m = re.search(r"#SBATCH --array=(\\d+)-(\\d+)", text)
tasks = [str(t) for t in range(int(m[1]), int(m[2]) + 1)] if m else [""]
counter = state / "counter"; jid = int(counter.read_text()) + 1 if counter.exists() else 1000
counter.write_text(str(jid))
for t in tasks:
    (state / (f"{jid}_{t}" if t else str(jid))).write_text("PENDING")
subprocess.Popen([sys.executable, str(Path(__file__).with_name("fake_run")), str(script), str(jid), ",".join(tasks)],
                 start_new_session=True, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
print(f"Submitted batch job {jid}")
""",
    "fake_run": """\
import os, subprocess, sys, time
from pathlib import Path
script, jid, tasks = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
state = Path(os.environ["FAKE_SLURM_STATE"])
time.sleep(1.5)  # submitit moves its pickles into place after sbatch returns
for t in tasks:
    name = f"{jid}_{t}" if t else jid
    env = {**os.environ, "SLURM_JOB_ID": str(int(jid) + 1 + int(t or 0)), "SLURM_NTASKS": "1",
           "SLURM_JOB_NUM_NODES": "1", "SLURM_NODEID": "0", "SLURM_JOB_NODELIST": "localhost",
           "SLURM_PROCID": "0", "SLURM_LOCALID": "0"}
    if t:
        env |= {"SLURM_ARRAY_JOB_ID": jid, "SLURM_ARRAY_TASK_ID": t}
    (state / name).write_text("RUNNING")
    rc = subprocess.call(["bash", script], env=env)
    (state / name).write_text("COMPLETED" if rc == 0 else "FAILED")
""",
    "srun": """\
import os, subprocess, sys
args = sys.argv[1:]; paths = {}
while args and args[0].startswith("--"):
    opt = args.pop(0)
    if opt in ("--output", "--error"):
        paths[opt] = (args.pop(0).replace("%A", os.environ.get("SLURM_ARRAY_JOB_ID", ""))
                      .replace("%a", os.environ.get("SLURM_ARRAY_TASK_ID", ""))
                      .replace("%j", os.environ["SLURM_JOB_ID"]).replace("%t", "0"))
os.makedirs(os.path.dirname(paths["--output"]), exist_ok=True)
with open(paths["--output"], "a") as out, open(paths["--error"], "a") as err:
    sys.exit(subprocess.call(args, stdout=out, stderr=err))
""",
    "sacct": """\
import os, sys
from pathlib import Path
state = Path(os.environ["FAKE_SLURM_STATE"])
ids = [sys.argv[i + 1] for i, a in enumerate(sys.argv) if a == "-j"]
print("JobID|State|NodeList")
for f in sorted(state.iterdir()):
    if f.name != "counter" and f.name.split("_")[0] in ids:
        print(f"{f.name}|{f.read_text()}|localhost")
""",
    "scancel": "",
}


@pytest.mark.slow
def test_slurm_sweep_through_submitit_equals_basic_launcher(tmp_path, basic_sweep):
    """``hydra/launcher=slurm`` end to end (submitit's pickles, job array, results, callback)
    against stand-ins for sbatch/srun/sacct: same tables as under the basic launcher."""
    need_plugin("slurm")
    pytest.importorskip("submitit")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for name, body in FAKE_SLURM.items():
        (bin_dir / name).write_text(f"#!{sys.executable}\n{body}")
        (bin_dir / name).chmod(0o755)
    tag = uuid.uuid4().hex
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ['PATH']}",
        "FAKE_SLURM_STATE": str(tmp_path / "slurm_state"),
        "ZONESIM_TEST_TAG": tag,
    }
    t = time.time()
    done = run_zonesim(
        [*SWEEP, "hydra/launcher=slurm", "hydra.launcher.partition=test", "hydra.sweep.dir=sweep"], tmp_path, env
    )
    print(f"slurm (stand-in) sweep of 2 runs: {time.time() - t:.1f} s")
    assert done.returncode == 0, done.stdout[-5000:]
    states = {p.name: p.read_text() for p in (tmp_path / "slurm_state").iterdir() if p.name != "counter"}
    assert sorted(states.values()) == ["COMPLETED", "COMPLETED"], states  # one job array of 2 tasks
    script = next((tmp_path / "sweep" / ".submitit").rglob("*submission.sh")).read_text()
    assert "#SBATCH --partition=test" in script and "#SBATCH --array=0-1%2" in script
    assert_no_process_left(tag, "the SLURM stand-in")
    assert_same_runs(tmp_path / "sweep", basic_sweep)


def test_a_launcher_without_its_extra_is_refused_naming_the_extra(monkeypatch, capsys):
    """``hydra/launcher=ray_local`` without the ``cluster`` extra: one line naming the extra and how to
    install it, exit 2, before Hydra starts (issue 16, item 6)."""
    from sim.runner import cli

    assert set(cli.LAUNCHER_EXTRAS) | {"basic", "joblib", "zonesim_joblib"} >= {
        p.stem for p in (cli.CONFIG_DIR / "hydra" / "launcher").glob("*.yaml")
    }
    missing = {"hydra_plugins.hydra_ray_launcher"}
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name in missing else real(name, *a))
    with pytest.raises(SystemExit) as exit_info:
        cli.main(["-m", "seed=0,1", "hydra/launcher=ray_local"])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "hydra/launcher=ray_local" in err[0] and "'cluster' extra" in err[0]
    assert 'pip install -e ".[cluster]"' in err[0]
    # installed plugins pass; other arguments are not read as launchers
    assert cli.missing_extra(["hydra/launcher=slurm", "seed=1"]) is None
    assert cli.missing_extra(["seed=1"], find_spec=lambda name: None) is None
