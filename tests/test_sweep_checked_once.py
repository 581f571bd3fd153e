"""A sweep's jobs are composed and validated once before Hydra starts (``zonesim``'s command
check); Hydra's sweeper does not compose them again to check them."""

from __future__ import annotations

from types import SimpleNamespace

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
