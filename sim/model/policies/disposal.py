"""Zombie disposal (处置僵尸企业): withdraw the soft budget constraint from zombies and close
backward capacity in traditional sectors (national drive 2016–2020: steel −100–150 Mt, coal
−500 Mt [V])."""

from __future__ import annotations

import numpy as np

from sim.model.policies.base import Policy


class ZombieDisposal(Policy):
    name = "zombie_disposal"

    def __init__(self, model, params):
        super().__init__(model, params, params.start, "policy.zombie_disposal.start")

    def protection_factor(self, zombie: np.ndarray) -> np.ndarray:
        """Multiplier of each firm's protection: zombies lose ``protection_cut`` of it."""
        if not self.active:
            return np.ones(zombie.shape)
        return np.where(zombie, 1.0 - self.params.protection_cut, 1.0)

    def forced_exit_rate(self, zombie: np.ndarray, traditional: np.ndarray) -> np.ndarray:
        """Extra yearly exit hazard: backward capacity (zombies in traditional sectors) closed."""
        if not self.active:
            return np.zeros(zombie.shape)
        return np.where(zombie & traditional, self.params.forced_exit_rate, 0.0)
