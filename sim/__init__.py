"""zonesim: an agent-based model of development-zone (开发区) reform.

The public Python API (see ``docs/api.md``)::

    import sim
    params = sim.make_params("full_reform", seed=3, overrides={"policy.devolution.powers": 20})
    result = sim.simulate(params)       # .tables (DataFrames), .outcomes (dict), .params
    sim.outcomes(result.tables)         # the same headline outcomes, from tables
    sim.load_run("outputs/run")         # a run folder written by zonesim, as a Result
    sim.load_experiment("multirun/compare")   # an experiment folder's reader

The names are imported on first use (module ``__getattr__``, PEP 562): ``import sim`` itself loads
neither Hydra nor pandas nor Mesa, so a console script or a worker that needs none of them
starts at once.
"""

from __future__ import annotations

import atexit
import gc
from typing import TYPE_CHECKING, Any

# At exit, Python's finalisation runs full garbage collections over every object still alive (the
# hundreds of thousands that pandas, Mesa, Hydra, numba and matplotlib leave): 0.5-0.8 s at the end
# of every command and worker process, measured.  Moving the survivors to the collector's
# permanent generation first (``gc.freeze``) skips those passes; objects are still released by
# reference counting as modules are cleared.  Only objects kept alive by reference cycles at exit
# are left unfinalised, which Python never promised to finalise anyway (``object.__del__``'s notes).
# ``gc.freeze`` frees nothing and stops nothing, so every other atexit handler (joblib's shutdown of
# its workers, logging's flush and close) works as before, whichever runs first.
atexit.register(gc.freeze)

if TYPE_CHECKING:
    from sim.api import ConfigError, Result, load_experiment, load_run, make_params, outcomes, simulate

__all__ = ["ConfigError", "Result", "load_experiment", "load_run", "make_params", "outcomes", "simulate"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from sim import api

        value = getattr(api, name)
        globals()[name] = value  # looked up once
        return value
    raise AttributeError(f"module 'sim' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
