"""``python -m sim.runner.warm``: compile the model's numba kernels into numba's on-disk cache
once, at install time (the install step of ``make run`` and ``make test`` calls it).

The kernels (``@njit(cache=True)`` in :mod:`sim.model`) compile on first use, about 20 s, and are
then loaded from ``__pycache__`` in milliseconds.  Without this step the first command after a
fresh install pays that in every process at once: each worker of the first sweep, each worker of
the first test run.  One run of the full reform (every mechanism active, the default horizon: a
three-month run leaves the kernels of the later reform years uncompiled) calls every kernel with
the argument types of every later run, in about a second once compiled.
"""

from __future__ import annotations

import sys
import time


def main(argv: list[str] | None = None) -> int:
    import sim

    started = time.perf_counter()
    sim.simulate(sim.make_params("full_reform", seed=0))
    print(f"zonesim: model kernels compiled and cached in {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
