"""Mesa, imported without its cell spaces.

The model uses Mesa's ``Model``, ``Agent`` and ``DataCollector``.  Mesa's package also imports its
cell spaces (``mesa.discrete_space``: grids, networks and Voronoi cells, which import scipy.spatial
and networkx), which the model never uses: about 0.1 s of imports in every process that runs the
model, each worker of a sweep included (0.2 s of a whole ``zonesim seed=1``, measured).  Imported
from here, they load on their first use instead (the dashboard's Mesa visualisation uses them); see
:func:`sim.lazy.import_deferring`.
"""

from sim.lazy import import_deferring

mesa = import_deferring("mesa", ("discrete_space", "space", "experimental.continuous_space"))

__all__ = ["mesa"]
