"""The policy section: one sub-section per policy family."""

from __future__ import annotations

from dataclasses import dataclass, field

from sim.config.sections.approval_process import ApprovalProcessConfig
from sim.config.sections.assessment import AssessmentConfig
from sim.config.sections.consolidation import ConsolidationConfig
from sim.config.sections.devolution import DevolutionConfig
from sim.config.sections.zombie_disposal import ZombieDisposalConfig


@dataclass
class PolicyConfig:
    consolidation: ConsolidationConfig = field(default_factory=ConsolidationConfig)
    devolution: DevolutionConfig = field(default_factory=DevolutionConfig)
    approval_process: ApprovalProcessConfig = field(default_factory=ApprovalProcessConfig)
    assessment: AssessmentConfig = field(default_factory=AssessmentConfig)
    zombie_disposal: ZombieDisposalConfig = field(default_factory=ZombieDisposalConfig)
