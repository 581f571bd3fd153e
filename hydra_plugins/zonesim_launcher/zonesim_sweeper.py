"""``hydra/sweeper=zonesim_basic`` (every multirun's default, ``configs/config.yaml``): Hydra's
basic sweeper, whose check that every job composes costs one composition per distinct list of
config-group choices instead of one per job (:class:`sim.runner.sweep_configs.SweepConfigs`: a
comparison's 70 jobs are 7 compositions, not 70), and nothing for the jobs that ``zonesim``'s own
check of the command composed and validated already (:data:`sim.runner.checks.CHECKED_JOBS`).
Its options are the basic sweeper's.

(No ``from __future__ import annotations`` here: Hydra executes plugin modules without entering
them in ``sys.modules``, where dataclasses look string annotations up.)
"""

from collections.abc import Sequence
from dataclasses import dataclass

from hydra._internal.core_plugins.basic_sweeper import BasicSweeper, BasicSweeperConf
from hydra.core.config_store import ConfigStore


@dataclass
class ZonesimBasicSweeperConf(BasicSweeperConf):
    _target_: str = "hydra_plugins.zonesim_launcher.zonesim_sweeper.ZonesimBasicSweeper"


ConfigStore.instance().store(
    group="hydra/sweeper", name="zonesim_basic", node=ZonesimBasicSweeperConf, provider="zonesim"
)


class ZonesimBasicSweeper(BasicSweeper):
    """The basic sweeper, checking a batch's jobs with one composition per shape."""

    def validate_batch_is_legal(self, batch: Sequence[Sequence[str]]) -> None:
        from sim.runner.checks import CHECKED_JOBS
        from sim.runner.sweep_configs import SweepConfigs

        configs = SweepConfigs.of(self.hydra_context.config_loader, self.config)
        for overrides in batch:
            if tuple(overrides) not in CHECKED_JOBS:  # the command's check composed it already
                configs.load(overrides)
