"""The install step compiles the model's numba kernels once (sim.runner.warm): after it, runs of
every scenario family and region load every kernel from the cache and compile none."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RUNS = """
import sim
for scenario, region, end in (("baseline", None, None), ("assessment", None, "2021-12"),
                              ("full_reform", "national", "2016-12"), ("baseline", "synthetic", "2016-12")):
    extra = [f"time.end={end}"] if end else []
    if region == "national":
        extra.append("region.national.scale=0.002")
    sim.simulate(sim.make_params(scenario, seed=3, region=region, hydra_overrides=extra))
"""


def _cache(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in folder.rglob("*") if p.suffix in (".nbi", ".nbc")}


def test_after_the_warm_up_no_run_compiles_a_kernel(tmp_path):
    cache = tmp_path / "numba"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(cache)}
    warm = subprocess.run([sys.executable, "-m", "sim.runner.warm"], env=env, capture_output=True, text=True)
    assert warm.returncode == 0, warm.stderr
    assert "kernels compiled and cached" in warm.stderr
    compiled = _cache(cache)
    assert compiled, "the warm-up left nothing in numba's cache"
    runs = subprocess.run([sys.executable, "-c", RUNS], env=env, capture_output=True, text=True)
    assert runs.returncode == 0, runs.stderr
    assert _cache(cache) == compiled  # nothing new compiled, nothing recompiled
