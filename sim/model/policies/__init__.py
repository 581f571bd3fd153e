"""Policies as dated, composable strategy objects (consolidation, devolution, the approval-process reform,
assessment, disposal)."""

from __future__ import annotations

from dataclasses import dataclass

from sim.model.policies.assessment import Assessment
from sim.model.policies.consolidation import Consolidation
from sim.model.policies.devolution import Devolution, Services
from sim.model.policies.disposal import ZombieDisposal
from sim.model.policies.process import ApprovalProcess


@dataclass
class PolicySet:
    """The four policy families of the Ningxia reform and the national approval-process reform, in the
    order the model calls them."""

    consolidation: Consolidation
    devolution: Devolution
    assessment: Assessment
    zombie_disposal: ZombieDisposal
    approval_process: ApprovalProcess

    @classmethod
    def build(cls, model) -> PolicySet:
        p = model.params.policy
        return cls(
            Consolidation(model, p.consolidation),
            Devolution(model, p.devolution),
            Assessment(model, p.assessment),
            ZombieDisposal(model, p.zombie_disposal),
            ApprovalProcess(model, p.approval_process),
        )

    def __iter__(self):
        return iter((self.consolidation, self.devolution, self.approval_process, self.assessment, self.zombie_disposal))


__all__ = ["PolicySet", "Consolidation", "Devolution", "ApprovalProcess", "Assessment", "ZombieDisposal", "Services"]
