"""The runner: a validated configuration in, a model run, its tables written as Parquet.

``simulate(params, region)`` is a pure function from parameters to outcome tables (usable from
notebooks and experiments); ``run(params, out_dir)`` adds the I/O: it loads the region, runs,
and writes every table plus the resolved config, the seed and package versions.  Files are
written to a staging folder private to the process and moved in place only when all are
complete, ``DONE`` (every file's size and SHA-256) last, so a failed or killed run never leaves
outputs that look complete (:mod:`sim.runner.files`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import logging
import platform
import shutil
import subprocess
import time
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pandas as pd

from sim.config.schema import ModelConfig
from sim.config.validate import validate
from sim.data import RegionData, build_region
from sim.digest import hash_sources
from sim.runner.files import (
    DONE,  # noqa: F401 - the marker's name, imported from here by callers
    check_done,
    private_name,
    publish_files,
    publish_folder,
    sha256_file,
    write_done,
    write_json,
)
from sim.runner.outcomes import outcomes_fingerprint, run_outcomes
from sim.runner.outputs import TABLES
from sim.vocabulary import write_parquet

log = logging.getLogger("zonesim")

PACKAGES = ("zonesim", "mesa", "hydra-core", "omegaconf", "numpy", "scipy", "pandas", "pyarrow", "matplotlib")


@dataclass
class RunResult:
    tables: dict[str, pd.DataFrame]
    summary: pd.DataFrame
    wall_seconds: float
    out_dir: Path | None = None


def simulate(params: ModelConfig, region: RegionData | None = None) -> dict[str, pd.DataFrame]:
    """Run the model for ``params`` (validated first: a value out of range or of the wrong type is a
    :class:`~sim.config.validate.ConfigError` before anything runs; region built from
    ``params.region`` unless given); return its tables."""
    validate(params)
    from sim.model.model import ZoneReformModel  # here: a sweep's parent process needs none of the model

    region = region if region is not None else region_of(params)
    return ZoneReformModel(params, region).run().results()


def summarise(tables: dict[str, pd.DataFrame], params: ModelConfig) -> pd.DataFrame:
    """A run's ``summary.csv``: its scenario, seed and run-level outcomes
    (:func:`~sim.runner.outcomes.run_outcomes`, names and units in :mod:`sim.vocabulary`), one row."""
    return pd.DataFrame([{"scenario": params.scenario_name, "seed": params.seed, **run_outcomes(tables)}])


def package_versions() -> dict[str, str]:
    """Python's and the packages' versions (read once per process: every run of a sweep records them)."""
    return dict(_package_versions())


@functools.cache
def _package_versions() -> dict[str, str]:
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str | None:
    try:
        root = Path(__file__).resolve().parents[2]
        res = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, timeout=5)
        return res.stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def _jsonable(params: ModelConfig) -> dict:
    return dataclasses.asdict(params)


@functools.cache
def code_fingerprint() -> str:
    """Hash of the model's code and embedded data: results from other code are never reused."""
    root = Path(__file__).resolve().parents[1]
    return hash_sources(hashlib.sha1(), root, ("model", "data", "config"), (".py", ".csv")).hexdigest()[:12]


_FILE_HASHES: dict[tuple[str, int, int], str] = {}  # (path, mtime_ns, size) -> SHA-256, per process


def _file_hash(path: Path) -> str:
    st = path.stat()
    key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
    if key not in _FILE_HASHES:
        _FILE_HASHES[key] = sha256_file(path)
    return _FILE_HASHES[key]


def data_fingerprint(params: ModelConfig) -> str:
    """Hash of the contents of the region data files a run reads: the embedded tables (the
    catalogue every region uses) and, with ``region.data_dir``, that folder's tables.  Each file
    is hashed once per process while its modification time and size stay the same."""
    from sim.data.loader import embedded_dir
    from sim.data.region import FILES

    folders = [embedded_dir()] + ([Path(params.region.data_dir)] if params.region.data_dir else [])
    h = hashlib.sha1()
    for folder in folders:
        for name in sorted(FILES.values()):
            path = folder / name
            h.update(name.encode())
            h.update(_file_hash(path).encode() if path.is_file() else b"<missing>")
    return h.hexdigest()[:12]


#: the regions built in this process, by data fingerprint and region settings (:func:`region_of`)
_REGIONS: dict[tuple[str, str], RegionData] = {}
#: how many of them are kept (small: Ningxia's tables take 0.1 MB, the national region's at full
#: scale 1.5 MB; a sweep over several region settings builds each again when it comes back to it)
REGIONS_KEPT = 4


def region_of(params: ModelConfig) -> RegionData:
    """The region ``params`` simulate, built once per process for each region setting and content of
    its data files: a sweep's worker runs many jobs on one region (reading and checking Ningxia's
    tables takes ~30 ms, as long as a tenth of a short run).  The model only reads its region
    (``tests/test_storage.py`` checks that a run leaves it as it was).  Bounds are checked every time."""
    from sim.config.limits import check_bounds

    check_bounds(params)
    key = (data_fingerprint(params), repr(params.region))
    region = _REGIONS.get(key)
    if region is None:
        region = build_region(params)
        while len(_REGIONS) >= REGIONS_KEPT:
            _REGIONS.pop(next(iter(_REGIONS)))
        _REGIONS[key] = region
    return region


def run_key(params: ModelConfig) -> str:
    """A 12-hex key of the resolved model configuration (run bookkeeping in ``output`` excluded),
    of the model code and of the contents of the region data files: the same configuration on
    the same data has the same key whatever the launcher, folder or job number, so an experiment
    re-run skips the runs it already has, and an edited data file gives new keys."""
    cfg = dataclasses.asdict(params)
    cfg.pop("output", None)
    blob = (
        json.dumps(cfg, sort_keys=True, ensure_ascii=True, default=str) + code_fingerprint() + data_fingerprint(params)
    )
    return hashlib.sha1(blob.encode()).hexdigest()[:12]


def run(
    params: ModelConfig,
    out_dir: str | Path,
    region: RegionData | None = None,
    overrides: list[str] | None = None,
    *,
    own_folder: bool = False,
) -> RunResult:
    """Run the model and write its outputs into ``out_dir`` (created if needed).

    The files are written into a staging folder private to this process; ``DONE``, written last,
    lists each with its size and SHA-256 (a folder without a valid one is incomplete).  With
    ``own_folder`` (``runs/<key>/`` of an experiment) the folder holds the run alone: it is
    staged beside ``out_dir`` and renamed into place whole, replacing an incomplete one.  Else
    (a single run's folder, which also holds Hydra's files) the files are moved in one by one,
    ``DONE`` removed first and written last.
    """
    out_dir = Path(out_dir)
    started = time.time()
    region = region if region is not None else region_of(params)
    log.info(
        "running scenario %s, seed %d, %s to %s", params.scenario_name, params.seed, params.time.start, params.time.end
    )
    tables = simulate(params, region)
    wall = time.time() - started
    summary = summarise(tables, params)
    parent = out_dir.parent if own_folder else out_dir
    parent.mkdir(parents=True, exist_ok=True)
    stage = parent / private_name(out_dir.name if own_folder else "run", "partial")
    stage.mkdir()
    try:
        for name in TABLES:
            if name in ("approvals", "exits", "zone_events") and not params.output.event_logs:
                continue
            write_parquet(tables[name], stage / f"{name}.parquet", name)  # with units and meanings
        summary.to_csv(stage / "summary.csv", index=False)
        meta = {
            "key": run_key(params),
            "scenario": params.scenario_name,
            "seed": params.seed,
            "overrides": list(overrides) if overrides is not None else None,
            "region": region.origin,
            "started": time.strftime("%Y-%m-%dT%H:%M:%S", time.localtime(started)),
            "wall_seconds": round(wall, 3),
            "git_commit": git_commit(),
            "code": code_fingerprint(),
            "data": data_fingerprint(params),
            "outcomes_code": outcomes_fingerprint(),  # what made summary.csv's outcomes
            "versions": package_versions(),
            "config": _jsonable(params),
        }
        write_json(stage / "run.json", meta)
        write_done(stage)
        if own_folder:
            publish_folder(stage, out_dir, lambda folder: check_done(folder) is None)
        else:
            publish_files(stage, out_dir)
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    log.info("wrote %s in %.2f s", out_dir, wall)
    return RunResult(tables, summary, wall, out_dir)
