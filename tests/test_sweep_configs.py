"""A sweep's job configurations composed once per shape (sim.runner.sweep_configs) are the ones
Hydra composes for each job from scratch, whole (the hydra node included), and a bad job fails
with Hydra's own error."""

from __future__ import annotations

import pytest
from hydra.errors import ConfigCompositionException
from hydra.types import RunMode
from omegaconf import OmegaConf

from sim.runner.command import _hydra
from sim.runner.sweep_configs import SweepConfigs, forget_shapes

JOBS = [
    ["scenario=baseline", "seed=0"],
    ["scenario=baseline", "seed=7"],
    ["scenario=full_reform", "seed=3"],
    ["seed=2", "scenario=devolution", "policy.devolution.powers=20", "time.end=2019-12"],
    ["scenario=full_reform", "seed=1", "policy/assessment=ningxia", "policy.assessment.bottom_k=2"],
    ["scenario=consolidation", "seed=4", "hydra.job.chdir=false"],
    ["scenario=baseline", "seed=5", "+output.extra_note=1"],
]


@pytest.fixture(autouse=True)
def no_shared_shapes():
    """Each test composes its own shapes (none left by another test's master configuration)."""
    forget_shapes()
    yield
    forget_shapes()


@pytest.fixture(scope="module")
def hydra():
    with _hydra() as gh:  # one at a time: it holds the composer's lock
        yield gh


@pytest.fixture(scope="module")
def hydra_loader(hydra):
    master = hydra.compose_config(
        "config", ["experiment=compare"], run_mode=RunMode.MULTIRUN, with_log_configuration=False
    )
    return hydra.config_loader, master


@pytest.mark.parametrize("job", JOBS, ids=" ".join)
def test_a_job_is_composed_as_hydra_composes_it(hydra_loader, job):
    loader, master = hydra_loader
    fast = SweepConfigs(loader, master).load(job)
    slow = loader.load_sweep_config(master, list(job))
    assert OmegaConf.to_container(fast) == OmegaConf.to_container(slow)
    assert list(fast.hydra.overrides.task) == [o for o in job if not o.startswith("hydra.")]


def test_jobs_of_one_shape_share_one_composition(hydra_loader, monkeypatch):
    loader, master = hydra_loader
    configs = SweepConfigs(loader, master)
    calls = []
    real = loader.load_sweep_config
    monkeypatch.setattr(loader, "load_sweep_config", lambda m, o: calls.append(o) or real(m, o))
    seeds = [configs.load(["scenario=full_reform", f"seed={s}"]) for s in range(5)]
    assert calls == [["scenario=full_reform"]]
    assert [c.seed for c in seeds] == list(range(5))
    assert seeds[0].policy.devolution.enabled is True and seeds[0].hydra.job.override_dirname.endswith("seed=0")
    seeds[0].seed = 99  # each job has its own copy
    assert configs.load(["scenario=full_reform", "seed=1"]).seed == 1


def test_the_sweeper_and_the_launcher_share_the_compositions(hydra_loader):
    loader, master = hydra_loader
    assert SweepConfigs.of(loader, master) is SweepConfigs.of(loader, master)


def test_an_unknown_key_fails_as_in_hydra(hydra_loader):
    loader, master = hydra_loader
    with pytest.raises(ConfigCompositionException) as fast:
        SweepConfigs(loader, master).load(["scenario=baseline", "policy.devolution.no_such_key=3"])
    with pytest.raises(ConfigCompositionException) as slow:
        loader.load_sweep_config(master, ["scenario=baseline", "policy.devolution.no_such_key=3"])
    assert str(fast.value) == str(slow.value)


def test_a_job_of_a_command_with_hydra_overrides_is_composed_as_hydra_composes_it(hydra):
    """The command's own ``hydra.*`` overrides (``hydra.sweep.dir=...``, as zonesim-sensitivity
    passes) stay out of each job's task overrides and its folder name, as in Hydra."""
    master = hydra.compose_config(
        "config",
        ["experiment=compare", "hydra.sweep.dir=elsewhere", "time.end=2019-12"],
        run_mode=RunMode.MULTIRUN,
        with_log_configuration=False,
    )
    configs = SweepConfigs(hydra.config_loader, master)
    for job in (["scenario=baseline", "seed=3", "time.end=2019-12"], ["scenario=baseline", "seed=4"]):
        fast = configs.load(job)
        slow = hydra.config_loader.load_sweep_config(master, list(job))
        assert OmegaConf.to_container(fast) == OmegaConf.to_container(slow)
        assert "hydra.sweep.dir" not in fast.hydra.job.override_dirname
