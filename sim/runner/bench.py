"""``zonesim-bench``: wall time of the default run and how cost grows with enterprises.

Not part of the test suite (timings on shared machines are noisy): run it explicitly,
``zonesim-bench`` (about two minutes) or ``zonesim-bench --quick``.  It reports

* the default Ningxia run (2015–2030): best of three wall times;
* synthetic regions of growing size, 10 simulated years each: wall time, enterprise-months
  per second, and the time of the monthly enterprise numerics (production, finance, exit —
  array operations) per enterprise-month, which should stay flat if cost is linear.
"""

from __future__ import annotations

import argparse
import time

import pandas as pd

from sim.config.schema import ModelConfig
from sim.config.validate import validate
from sim.data import build_region
from sim.model.model import ZoneReformModel


def _params(**region) -> ModelConfig:
    p = ModelConfig()
    if region:
        p.region.kind = "synthetic"
        for k, v in region.items():
            setattr(p.region.synthetic, k, v)
    return validate(p)


def time_default(repeats: int = 3) -> float:
    """Best wall time (s) of the default Ningxia run, model construction included."""
    p = _params()
    region = build_region(p)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        ZoneReformModel(p, region).run()
        best = min(best, time.perf_counter() - t)
    return best


class _Timed(ZoneReformModel):
    """The model with its array phases timed (production/finance and exit)."""

    numerics = 0.0
    enterprise_months = 0

    def _produce(self):
        t = time.perf_counter()
        super()._produce()
        self.numerics += time.perf_counter() - t
        self.enterprise_months += int((self.firms.state == 3).sum())

    def _exits(self):
        t = time.perf_counter()
        super()._exits()
        self.numerics += time.perf_counter() - t


def time_synthetic(enterprises: int, years: int = 10) -> dict:
    counties = max(3, enterprises // 1000)
    p = _params(enterprises=enterprises, cities=max(1, counties // 8), counties_per_city=min(8, counties))
    p.time.end = f"{2015 + years - 1}-12"
    region = build_region(p)
    t = time.perf_counter()
    m = _Timed(p, region)
    m.run()
    wall = time.perf_counter() - t
    return {
        "enterprises": enterprises, "zones": len(m.zones), "years": years, "wall_s": round(wall, 2),
        "enterprise_months_per_s": round(m.enterprise_months / wall),
        "numerics_us_per_enterprise_month": round(1e6 * m.numerics / max(m.enterprise_months, 1), 3),
        "approvals": len(m.recorder.approvals),
    }


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, one repeat")
    args = ap.parse_args(argv)
    print(f"default Ningxia run 2015-2030: {time_default(1 if args.quick else 3):.2f} s (best of runs)")
    sizes = [2_000, 5_000, 10_000] if args.quick else [5_000, 10_000, 25_000, 50_000]
    rows = []
    for n in sizes:
        rows.append(time_synthetic(n))
        print(f"  synthetic {n:>6} enterprises, 10 years: {rows[-1]['wall_s']} s", flush=True)
    df = pd.DataFrame(rows)
    print(df.to_string(index=False))
    first, last = df.iloc[0], df.iloc[-1]
    ratio = (last.wall_s / first.wall_s) / (last.enterprises / first.enterprises)
    print(f"time ratio / size ratio ({int(first.enterprises)} -> {int(last.enterprises)}): {ratio:.2f} (1 = linear)")


if __name__ == "__main__":
    main()
