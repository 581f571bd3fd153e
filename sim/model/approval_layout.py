"""The layout of the approval pipeline's compiled state: codes, array columns and named tuples.

The kernels (:mod:`sim.model.approval_queues`, :mod:`sim.model.approval_kernels`) take their state as
numba-compatible named tuples of arrays, built and owned by :class:`~sim.model.approval.ApprovalSystem`
(see the kernels' module for what each holds); the integer codes below name event kinds, stage codes,
slots of the ``state`` array and the columns of the case and task rows.
"""

from __future__ import annotations

from collections import namedtuple

from sim.model.lifecycle import LifeCycle

ARRIVE, READY, DONE = 0, 1, 2
#: 0-based stage whose end issues the construction permit; construction runs before the next one
PERMIT_STAGE = 2
N_STAGES = 4
BUILD, CHECK = -1, -2  # stage codes of the construction node and of post-approval checks
# slots of the int64 ``state`` array
N_EVENTS, SEQ, N_FREE, N_DONE = 0, 1, 2, 3
N_STATE = 4
# life-cycle codes written into (and, for WITHDRAWN, read from) the firm table, as plain ints for numba
CONSTRUCTION, OPERATING, WITHDRAWN = int(LifeCycle.CONSTRUCTION), int(LifeCycle.OPERATING), int(LifeCycle.WITHDRAWN)
# routing modes of devolved items
ZONE_OFFICE, COUNTY_DISPATCHED = 0, 1
# project streams (sim.model.approval.STREAMS): enterprise filed (备案), approved (核准), government (审批)
FILED, APPROVED, GOVERNMENT = 0, 1, 2
N_STREAMS = 3
HEAP_OFFSET = 3  # event-heap node i is row i + 3 (see approval_queues.push)
# columns of a case's integer and float rows, of its draws, and of a task's row
ROW, OPEN, SKIPPED, PENDING = 0, 1, 2, 3  # OPEN: nodes not done; PENDING: events of the case in the heap
# GRAPH: the compiled graph the case runs on; SERVED, LATE: items done at an office, of which over the
# statutory limit; FAILED: post-approval checks failed
GRAPH, SERVED, LATE, FAILED = 4, 5, 6, 7
N_CASE_INTS = 8
C_APPLIED, C_PERMIT, C_END, C_GOV = 0, 1, 2, 3  # C_END, C_GOV: the last node's finish and its chain's government time
C_FIRST, C_LAST, C_SGOV = 4, 8, 12  # + stage: first item ready, last item done, government time of its chain
N_CASE_FLOATS = 16
D_NEEDS, D_PREP, D_EFFORT, D_REWORK = 0, 1, 2, 3
(
    T_ITEM,
    T_OFFICE,
    T_PREP,
    T_TRANSIT,
    T_EFFORT,
    T_REVIEW,
    T_REWORK,
    T_REWORK_PREP,
    T_READY,
    T_WAIT,
    T_GOV,
    T_SGOV,
    T_PREP_SPENT,
    T_FINISH,
) = range(14)
N_TASK_COLS = 16  # padded to two cache lines

#: every office's server heap and counts (see :class:`sim.model.approval.OfficePool`)
Offices = namedtuple("Offices", "free start staff background_load served busy wait transit_days touched")
#: the catalogue compiled on the precedence graphs: per graph ``g`` (row) and node (column), except
#: ``scal`` (:class:`Scalars`); ``review_limit`` (months) and ``transit_factor`` are per graph
Items = namedtuple(
    "Items",
    "stage_of share ra_order authority prep effort review scal succ_ptr succ n_pred rework_p prep_first"
    " prep_rework review_limit transit_factor",
)
#: the model's constants the kernels read
Scalars = namedtuple("Scalars", "working_days rework_probability rework_prep_share handoff_days construction_months")
#: the routing rules in force: devolution running (0/1), its service mode, the reformed process adopted
#: (0/1) and for zones only (0/1); the zone services' cuts; which items are devolved (graphs × items),
#: when each zone's regional assessments are done and which the policy covers; the offices of zones,
#: of counties' dispatched staff and of each county's authorities
Context = namedtuple(
    "Context",
    "devolution_active service_mode reformed reform_zones_only prep_cut rework_cut transit_cut handoff_cut"
    " item_devolved ra_time ra_cover zone_office dispatched auth_office",
)
#: the open applications: integer and float rows, draws, the free-slot stack and scratch for one call
Cases = namedtuple("Cases", "ints floats draws free work")
#: the applicants' columns: the enterprises' (row ≥ 0), then the government projects' (row ``-1 - j``)
Applicants = namedtuple("Applicants", "zone county state entry_month gov_zone gov_county gov_state gov_entry_month")
#: completed applications (see :data:`sim.model.approval.DONE`)
Done = namedtuple(
    "Done",
    "row zone applied permit time stage_wd skipped gov_wd stage_gov_wd graph items_served items_late checks_failed",
)
#: the whole pipeline one kernel call works on (passed unpacked: each part its own argument)
Pipeline = namedtuple("Pipeline", "items ctx cases tasks offices events state applicants done")
