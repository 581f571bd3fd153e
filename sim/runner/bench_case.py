"""One case of ``zonesim-bench`` (:mod:`sim.runner.bench`), run in a child process: its
configuration, the model's monthly enterprise update timed, and the kernel timed on the same
sizes."""

from __future__ import annotations

import resource
import time

import numpy as np

from sim.runner.bench_kernel import market_arrays, time_kernel


# --------------------------------------------------------------------------- one case (child process)
def case_params(spec: dict):
    """The validated ModelConfig of a case: ``kind`` ningxia | synthetic (``enterprises``) |
    national (``scale``), optional ``end`` (YYYY-MM)."""
    from sim.config.schema import ModelConfig
    from sim.config.validate import validate

    p = ModelConfig()
    match spec["kind"]:
        case "ningxia":
            pass
        case "synthetic":
            n = int(spec["enterprises"])
            counties = max(3, n // 1000)
            p.region.kind = "synthetic"
            s = p.region.synthetic
            s.enterprises, s.cities, s.counties_per_city = n, max(1, counties // 8), min(8, counties)
        case "national":
            p.region.kind = "national"
            p.region.national.scale = float(spec["scale"])
            for key, value in national_output().items():  # the records a national run keeps
                setattr(p.output, key, value)
        case other:
            raise ValueError(f"unknown bench case kind {other!r}")
    if spec.get("end"):
        p.time.end = spec["end"]
    return validate(p)


def national_output() -> dict:
    """The ``output`` settings of ``experiment=national`` (``configs/experiment/national.yaml``): the
    national cases run with the records a national run keeps (no firm panel, no land-yearly table:
    at full scale each would be millions of rows), as ``zonesim experiment=national`` does."""
    from omegaconf import OmegaConf

    from sim.layout import CONFIG_DIR

    return dict(OmegaConf.to_container(OmegaConf.load(CONFIG_DIR / "experiment" / "national.yaml").output))


class UpdateProbe:
    """Times the monthly enterprise update (``_produce`` + ``_exits``) of one model instance.

    Wrappers are installed as instance attributes (the model's code is untouched); the number of
    operating enterprises is counted outside the timed window.
    """

    def __init__(self, model):
        from sim.model.firms import LifeCycle

        self.seconds: list[float] = []
        self.operating: list[int] = []
        produce, exits, firms = model._produce, model._exits, model.firms

        def timed_produce():
            self.operating.append(int(np.count_nonzero(firms.state == LifeCycle.OPERATING)))
            t = time.perf_counter()
            produce()
            self.seconds.append(time.perf_counter() - t)

        def timed_exits():
            t = time.perf_counter()
            exits()
            self.seconds[-1] += time.perf_counter() - t

        model._produce, model._exits = timed_produce, timed_exits


def _maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def measure(spec: dict) -> dict:
    """Run one case (best of ``repeats``) in this process and time its update against the kernel."""
    from sim.data import build_region
    from sim.model.model import ZoneReformModel

    rss_import = _maxrss_mib()
    params = case_params(spec)
    best = None
    for _ in range(int(spec.get("repeats", 1))):
        t0 = time.perf_counter()
        region = build_region(params)
        model = ZoneReformModel(params, region)
        t1 = time.perf_counter()
        probe = UpdateProbe(model)
        model.run()
        t2 = time.perf_counter()
        if best is None or t2 - t0 < best[0]:
            best = (t2 - t0, t1 - t0, t2 - t1, model, probe)
    wall, setup, run, model, probe = best
    months = len(probe.seconds)
    ent_months = int(sum(probe.operating))
    mean_n = ent_months / max(months, 1)
    sizes = (len(model.zones), len(model.sector_names), len(model.counties))
    path = model.spending_path[-1] * mean_n / max(len(model.firms), 1)  # spending scaled to the kernel's firms
    spend = (path * (1.0 - model.export_share), path * model.export_share)
    kernel = time_kernel(round(mean_n), sizes, spend, market_arrays(model), params)
    update = sum(probe.seconds) / max(months, 1)
    return {
        "case": spec["case"],
        "kind": spec["kind"],
        "scale": spec.get("scale"),
        "enterprises": int(region.total_firms),
        "zones": sizes[0],
        "counties": sizes[2],
        "period": f"{params.time.start}..{params.time.end}",
        "months": months,
        "setup_s": setup,
        "run_s": run,
        "wall_s": wall,
        "enterprise_months": ent_months,
        "enterprise_months_per_s": ent_months / run,
        "mean_operating": mean_n,
        "firm_rows_end": len(model.firms),
        "update_ms_per_month": 1e3 * update,
        "kernel_ms_per_month": 1e3 * kernel,
        "update_over_kernel": update / kernel,
        "rss_after_import_mib": rss_import,
        "self_peak_rss_mib": _maxrss_mib(),
    }
