"""A sweep's jobs are composed and validated once before Hydra starts (``zonesim``'s command
check); Hydra's sweeper does not compose them again to check them."""

from __future__ import annotations

import contextlib
from types import SimpleNamespace

import pytest

from hydra_plugins.zonesim_launcher import zonesim_sweeper
from sim.config.schema import register_configs
from sim.runner import checks
from sim.runner.sweep_configs import SweepConfigs


def test_the_command_check_records_the_jobs_it_validated(tmp_path, monkeypatch):
    register_configs()
    monkeypatch.setattr(checks, "CHECKED_JOBS", set())
    checks.check_command(["-m", "seed=0,1", "time.end=2016-06", f"hydra.sweep.dir={tmp_path / 'sweep'}"])
    assert checks.CHECKED_JOBS == {("seed=0", "time.end=2016-06"), ("seed=1", "time.end=2016-06")}
    checks.check_command(["seed=5", "time.end=2016-06", f"hydra.run.dir={tmp_path / 'run'}"])  # a single run
    assert checks.CHECKED_JOBS == set()  # only the last command's jobs count


def test_the_sweeper_composes_only_the_jobs_not_checked(monkeypatch):
    loaded = []
    monkeypatch.setattr(checks, "CHECKED_JOBS", {("seed=0",), ("seed=1",)})
    fake = SimpleNamespace(load=loaded.append)
    monkeypatch.setattr(SweepConfigs, "of", classmethod(lambda cls, loader, master: fake))
    sweeper = zonesim_sweeper.ZonesimBasicSweeper.__new__(zonesim_sweeper.ZonesimBasicSweeper)
    sweeper.hydra_context, sweeper.config = SimpleNamespace(config_loader=None), None
    sweeper.validate_batch_is_legal([["seed=0"], ["seed=2"], ["seed=1"]])
    assert loaded == [["seed=2"]]


@contextlib.contextmanager
def _hydra_as_the_command_makes_it():
    """Hydra's composer as ``hydra.main`` makes it for ``zonesim`` (its task name, the config folder
    as its search path); Hydra's global state cleared afterwards."""
    from hydra._internal.hydra import Hydra
    from hydra._internal.utils import create_automatic_config_search_path
    from hydra.core.global_hydra import GlobalHydra

    from sim.api import _lock
    from sim.layout import CONFIG_DIR
    from sim.runner.command import HYDRA_JOB_NAME

    search_path = create_automatic_config_search_path(None, None, str(CONFIG_DIR))
    with _lock:
        try:
            yield Hydra.create_main_hydra2(task_name=HYDRA_JOB_NAME, config_search_path=search_path)
        finally:
            GlobalHydra.instance().clear()


def test_the_launcher_reuses_the_shapes_the_check_composed_and_gets_hydras_configurations(tmp_path, monkeypatch):
    """The command's check composes the master configuration Hydra's launcher will have (``-m``
    adds ``hydra.mode=MULTIRUN``, as Hydra does), so the launcher composes no shape again; each
    job's configuration is still the one Hydra's ``load_sweep_config`` composes, whole."""
    from hydra.types import RunMode
    from omegaconf import OmegaConf

    from sim.runner import sweep_configs

    register_configs()
    argv = ["-m", "scenario=baseline,full_reform", "seed=0,1", "time.end=2016-06", f"hydra.sweep.dir={tmp_path}"]
    checks.check_command(argv)
    assert len(sweep_configs._SHAPES) == 1 and len(next(iter(sweep_configs._SHAPES.values()))) == 2
    with _hydra_as_the_command_makes_it() as hydra:
        master = hydra.compose_config(
            "config", [*argv[1:], "hydra.mode=MULTIRUN"], run_mode=RunMode.MULTIRUN, with_log_configuration=False
        )
        loader = hydra.config_loader
        composed = []
        real = loader.load_sweep_config
        monkeypatch.setattr(loader, "load_sweep_config", lambda m, o: composed.append(o) or real(m, o))
        launcher = SweepConfigs(loader, master)
        for job in [["scenario=baseline", "seed=0"], ["scenario=full_reform", "seed=1"]]:
            job = [*job, "time.end=2016-06"]
            fast = launcher.load(job)
            assert composed == []  # the check's composition
            slow = real(master, job)
            assert OmegaConf.to_container(fast) == OmegaConf.to_container(slow)
        sweep_configs.forget_shapes()
        SweepConfigs(loader, master).load(["scenario=baseline", "seed=0", "time.end=2016-06"])
        assert composed == [["scenario=baseline"]]  # forgotten: composed anew


def test_the_job_name_the_check_composes_with_is_hydras(tmp_path):
    """``HYDRA_JOB_NAME`` is the job name Hydra records for a ``zonesim`` run."""
    from omegaconf import OmegaConf

    from sim.runner.command import HYDRA_JOB_NAME
    from tests.conftest import run_cli

    res = run_cli(["seed=0", "time.end=2015-03", f"output.dir={tmp_path}"], cwd=tmp_path)
    assert res.returncode == 0, res.stderr
    assert OmegaConf.load(tmp_path / ".hydra" / "hydra.yaml").hydra.job.name == HYDRA_JOB_NAME


def test_the_check_hands_over_a_sweeps_master_configuration_before_it_checks_the_jobs(tmp_path):
    """``on_sweep`` (the command starts its workers there) gets a sweep's master configuration as
    soon as it has composed, before a bad job stops the check; a single run has no sweep."""
    from hydra.types import RunMode

    from sim.config.validate import ConfigError

    register_configs()
    seen = []
    with pytest.raises(ConfigError, match="time.end"):
        checks.check_command(
            ["-m", "time.end=2016-06,2014-01", f"hydra.sweep.dir={tmp_path / 's'}"], on_sweep=seen.append
        )
    assert len(seen) == 1 and seen[0].hydra.mode == RunMode.MULTIRUN
    checks.check_command(["seed=5", "time.end=2016-06", f"hydra.run.dir={tmp_path / 'run'}"], on_sweep=seen.append)
    assert len(seen) == 1


def test_the_workers_are_warmed_once_for_the_same_settings(monkeypatch):
    """The command's early warm-up and the experiment callback's are one: a second call with the
    same settings and modules returns the first warm-up; other modules start another; an import
    after the warm-up waits for it."""
    from sim.runner import workers

    monkeypatch.setattr(workers, "_WARM", None)
    monkeypatch.setattr(workers, "_WARM_KEY", None)
    settings = {"n_jobs": 2, "backend": "no-such-backend"}  # fails at once in its thread: no process started
    first = workers.warm_workers(settings)
    assert workers.warm_workers(dict(settings), workers.RUN_MODULES) is first
    other = workers.warm_workers(settings, ("sim.experiments.figures",))
    assert other is not first
    after = workers.import_after_warm_up(("json",))
    after.join(10)
    assert not other.is_alive() and not after.is_alive()
    first.join(10)
    assert not first.is_alive()
    assert workers.warm_workers({"n_jobs": 1}) is None  # one worker: the jobs run in this process
