"""The approval-process reform (工程建设项目审批制度改革): the national reform of construction-project
approval, piloted from 2018-05 (国办发〔2018〕33号) and nationwide by 国办发〔2019〕11号, as a region
would apply it.  It redesigns the process itself rather than moving items between offices: its
levers edit the precedence graph of approval items (:class:`~sim.model.approval.ApprovalGraph`) —

1. parallel stages (并联审批): listed edges removed, so that items of a stage, or of overlapping
   stages, run side by side;
2. combined drawing review (多图联审: one review agency does every review, so efforts add up) and
   3. joint completion acceptance (联合验收: the departments inspect at once, each with its own
   staff, so the longest effort counts): nodes merged into one (one submission, one queue, one
   review lag);
4. commitment-based approval (告知承诺制): listed items leave the critical path and become
   post-approval checks that can fail and send the firm back;

— and the process's rules: 5. acceptance with missing documents (容缺受理) shortens the rework loop,
6. a statutory limit per item caps the review lag (items over it are late), 7. one online system and
one window (一个系统、一个窗口) cut the transit of documents between offices.

When the policy starts, the reformed graph is compiled once as the pipeline's second process
(:meth:`~sim.model.approval.ApprovalSystem.adopt`); new applications in its scope run on it,
applications under way finish on the process they opened on.
"""

from __future__ import annotations

import math

from sim.model.approval import ApprovalGraph, ProcessRules
from sim.model.policies.base import Policy


class ApprovalProcess(Policy):
    name = "approval_process"

    def __init__(self, model, params):
        super().__init__(model, params, params.start, "policy.approval_process.start")
        self.adopted = False
        if params.enabled:  # name a lever's unknown item before anything runs
            known = set(model.region.items["item_id"])
            for key in ("combined_review", "joint_acceptance", "commitment_items"):
                for item in getattr(params, key):
                    if item not in known:
                        raise ValueError(f"policy.approval_process.{key}: {item!r} is not an item of the catalogue")
            for edge in params.parallel_edges:
                for item in self.edge(edge):
                    if item not in known:
                        raise ValueError(
                            f"policy.approval_process.parallel_edges: {edge!r}: {item!r} is not an item "
                            "of the catalogue"
                        )

    @staticmethod
    def edge(text: str) -> tuple[str, str]:
        """``"a>b"`` → ``("a", "b")``: item ``b`` no longer waits for ``a``."""
        a, b = (v.strip() for v in str(text).split(">"))
        return a, b

    def graph(self, base: ApprovalGraph) -> ApprovalGraph:
        """``base`` with the levers applied in order: edges removed, commitment items turned into
        checks, the drawing reviews merged, the acceptances merged."""
        p = self.params
        g = base.without([self.edge(e) for e in p.parallel_edges])
        g = g.commit(p.commitment_items)
        return g.merge(p.combined_review).merge(p.joint_acceptance)

    def rules(self) -> ProcessRules:
        p = self.params
        concurrent = p.joint_acceptance[:1] if p.joint_acceptance_effort == "concurrent" else []
        return ProcessRules(
            scope=p.scope,
            review_limit_days=p.review_limit_days or math.inf,
            check_failure_probability=p.check_failure_probability,
            rework_cut=p.rework_cut,
            rework_prep_cut=p.rework_prep_cut,
            concurrent=frozenset(concurrent),
            transit_cut=p.transit_cut,
        )

    def on_month(self) -> None:
        """In its start month (or the first simulated month after it), the pipeline adopts the reformed process."""
        if self.active and not self.adopted:
            appr = self.model.approval
            appr.adopt(self.graph(appr.graph), self.rules())
            self.adopted = True
