"""Zombie disposal (处置僵尸企业): withdraw the soft budget constraint from zombies and close
backward capacity in traditional sectors (national drive 2016–2020: steel −100–150 Mt, coal
−500 Mt [V])."""

from __future__ import annotations

from sim.model.policies.base import Policy


class ZombieDisposal(Policy):
    name = "zombie_disposal"

    def __init__(self, model, params):
        super().__init__(model, params, params.start, "policy.zombie_disposal.start")

    def zombie_protection_factor(self) -> float:
        """Multiplier of a zombie's protection: zombies lose ``protection_cut`` of it."""
        return 1.0 - self.params.protection_cut if self.active else 1.0

    def forced_exit_rate(self) -> float:
        """Extra yearly exit hazard of a zombie in a traditional sector (backward capacity closed)."""
        return self.params.forced_exit_rate if self.active else 0.0
