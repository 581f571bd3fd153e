"""Life-cycle and disposal codes of enterprises, defined once.

The firm table (:mod:`sim.model.firms`) stores them in its ``state`` and ``disposal_path`` columns;
the compiled approval kernels (:mod:`sim.model.approval_kernels`) write and read the same codes.
"""

from __future__ import annotations

from enum import IntEnum


class LifeCycle(IntEnum):
    """Life-cycle state of an enterprise: project → in approval → under construction → operating → exited;
    a project in approval whose land lies idle too long is withdrawn (:mod:`sim.model.land`)."""

    PROJECT = 0
    IN_APPROVAL = 1
    CONSTRUCTION = 2
    OPERATING = 3
    EXITED = 4
    MERGED = 5  # an expansion plant installed into its parent, or a firm taken over (acquired_by)
    WITHDRAWN = 6  # a project whose idle land was taken back (国土资源部令第53号): it left the pipeline


class DisposalPath(IntEnum):
    """The path a firm on the zombie-disposal list is taken down (处置僵尸企业)."""

    NOT_LISTED = 0
    LIQUIDATION = 1  # 破产清算: closed by the court, debt written off, land back to the zone
    MERGER = 2  # 兼并重组: its plant taken over by a healthy firm of its sector
    RESTRUCTURING = 3  # debt restructuring / debt-for-equity swap (债转股): debt cut, the firm carries on
    CAPACITY_CUT = 4  # 去产能: a firm of a sector under capacity cuts closed, its capacity retired (sim.model.capacity)


#: states that hold land in a zone (reserved at location choice, released at exit)
LAND_HOLDING = (LifeCycle.IN_APPROVAL, LifeCycle.CONSTRUCTION, LifeCycle.OPERATING)
