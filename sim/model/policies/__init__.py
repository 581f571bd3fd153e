"""Policies as dated, composable strategy objects (consolidation, devolution, assessment, disposal)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.policies.assessment import Assessment
from sim.model.policies.consolidation import Consolidation
from sim.model.policies.devolution import Devolution, Services
from sim.model.policies.disposal import ZombieDisposal


@dataclass
class PolicySet:
    """The four policy families of the Ningxia reform, in the order the model calls them."""

    consolidation: Consolidation
    devolution: Devolution
    assessment: Assessment
    zombie_disposal: ZombieDisposal

    @classmethod
    def build(cls, model) -> "PolicySet":
        p = model.params.policy
        return cls(Consolidation(model, p.consolidation), Devolution(model, p.devolution),
                   Assessment(model, p.assessment), ZombieDisposal(model, p.zombie_disposal))

    def __iter__(self):
        return iter((self.consolidation, self.devolution, self.assessment, self.zombie_disposal))


__all__ = ["PolicySet", "Consolidation", "Devolution", "Assessment", "ZombieDisposal", "Services"]
