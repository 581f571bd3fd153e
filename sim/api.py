"""The public Python API: what researchers' own tools (SALib, EMA Workbench, a numpy loop, a
notebook) call to turn parameter values into a validated configuration, run it and read runs back.
Everything here is exported, lazily, by the package itself (``import sim`` loads none of it)::

    import sim
    params = sim.make_params("full_reform", seed=3, overrides={"policy.devolution.powers": 20})
    result = sim.simulate(params)     # result.tables: monthly, zones_yearly, approvals, ... (DataFrames)
    result.outcomes["approval_wd_mean"]   # the headline outcomes of the run's summary.csv
    again = sim.load_run("outputs/run")   # a folder written by zonesim: the same Result

``make_params`` composes the same Hydra configuration the command line does (``zonesim
scenario=full_reform seed=3 policy.devolution.powers=20`` runs with the same parameters and run
key), so results from Python and from the command line can be compared one for one.
"""

from __future__ import annotations

import functools
import json
import threading
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from sim.config.schema import ModelConfig, register_configs
from sim.config.validate import ConfigError, check_value, from_dictconfig
from sim.layout import CONFIG_DIR

if TYPE_CHECKING:
    import pandas as pd

    from sim.analysis.load import Experiment, Sensitivity
    from sim.data import RegionData

__all__ = [
    "ConfigError",
    "ModelConfig",
    "NotARunError",
    "Result",
    "compose_config",
    "load_experiment",
    "load_run",
    "make_params",
    "outcomes",
    "simulate",
]

_lock = threading.Lock()  # Hydra keeps global state while it composes: one composition at a time
COMPOSED_CACHE = 256  # distinct override lists whose composed configuration a process keeps


class NotARunError(ValueError):
    """A folder is not a complete run written by ``zonesim``."""


@dataclass
class Result:
    """One run: its tables, its headline outcomes and the parameters it ran with.

    ``tables``: table name -> DataFrame (``monthly``, ``zones_yearly``, ``approvals``, ... as a run
    folder's ``<name>.parquet``); ``outcomes``: outcome -> number, the columns of the run's
    ``summary.csv`` (after its scenario and seed); ``params``: the validated configuration (a
    run read back whose configuration no longer fits the schema: its plain dict, with a warning);
    ``folder``: where the run was read from (:func:`load_run`), else ``None``.
    """

    tables: dict[str, pd.DataFrame]
    outcomes: dict[str, float | int]
    params: ModelConfig | dict[str, Any]
    folder: Path | None = None

    def __repr__(self) -> str:
        p = self.params
        run = (
            f"scenario={p.scenario_name!r}, seed={p.seed}, {p.time.start} to {p.time.end}"
            if isinstance(p, ModelConfig)
            else f"scenario={p.get('scenario_name')!r}, seed={p.get('seed')}"
        )
        where = f", folder={str(self.folder)!r}" if self.folder is not None else ""
        return f"Result({run}, tables=[{', '.join(self.tables)}], {len(self.outcomes)} outcomes{where})"


# --------------------------------------------------------------------------- parameters
def compose_config(overrides: Sequence[str] = ()):
    """The composed (not yet validated) configuration ``zonesim <overrides>`` runs with, as an
    OmegaConf ``DictConfig`` of the caller's own (a copy: changing it changes no later call);
    ``overrides`` in Hydra's syntax (``scenario=full_reform``).  Hydra composes each distinct list
    of config-group choices once per process (about half a second) and applies plain value changes
    to it; a loop over parameter values (SALib, EMA Workbench, a calibration, tests) composes once."""
    import copy

    from sim.runner.sweep_configs import apply_values

    structure, values = _split_overrides(tuple(overrides))
    cfg = copy.deepcopy(_composed(structure))
    apply_values(cfg, values)
    return cfg


@functools.lru_cache(maxsize=COMPOSED_CACHE)
def _composed(overrides: tuple[str, ...]):
    from hydra import compose, initialize_config_dir

    register_configs()
    with _lock, initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="zonesim"):
        return compose(config_name="config", overrides=list(overrides))


def _split_overrides(overrides: tuple[str, ...]) -> tuple[tuple[str, ...], list]:
    """The overrides that shape the configuration, which Hydra composes (cached per distinct
    list), and the plain value changes (:func:`sim.runner.sweep_configs.split_overrides`; a config
    group is known by its folder of ``configs/``).  Hydra applies value changes after the whole
    defaults list is composed, in their order, so applying them to the cached composition gives the
    same configuration (tests/test_api.py checks this against Hydra): a loop over values composes
    its tree once."""
    from sim.runner.sweep_configs import split_overrides

    return split_overrides(overrides, lambda group: (CONFIG_DIR / group).is_dir())


def _is_schema_field(key: str) -> bool:
    """Whether ``key`` (dotted) names a field of the schema (not an entry of a table of numbers)."""
    import dataclasses

    obj: Any = ModelConfig()
    for part in key.split("."):
        if not dataclasses.is_dataclass(obj) or part not in {f.name for f in dataclasses.fields(obj)}:
            return False
        obj = getattr(obj, part)
    return True


def make_params(
    scenario: str = "baseline",
    seed: int = 0,
    overrides: Mapping[str, Any] | None = None,
    region: str | None = None,
    *,
    hydra_overrides: Sequence[str] = (),
) -> ModelConfig:
    """Validated parameters: ``scenario`` (a file of ``configs/scenario/``) with ``seed``, the
    region config group ``region`` (``ningxia``, ``synthetic``, ``national``; default: the
    configuration's, Ningxia) and flat ``overrides`` on top.

    ``overrides`` maps dotted keys (``policy.devolution.powers``) to values; numpy scalars (what
    SALib and EMA Workbench pass) are accepted and normalised as the schema declares the key
    (``np.int64(20)``, ``20`` and ``20.0`` give the same parameters and run key).  An unknown key,
    a value of the wrong kind (``20.7`` for an integer, ``"yes"`` for a boolean) or out of its
    range is a :class:`ConfigError` naming the key (and the range), before anything runs.

    ``hydra_overrides`` are command-line overrides in Hydra's syntax (``["time.end=2020-12",
    "policy/assessment=ningxia"]``), applied after ``scenario``, ``seed`` and ``region`` as on a
    command line that lists them later (so one of them naming ``scenario`` or ``seed`` wins);
    ``overrides`` are applied last of all.
    """
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    if not isinstance(scenario, str):
        raise TypeError(
            f"make_params(scenario, seed, overrides, region): scenario is a name such as 'full_reform', "
            f"not {type(scenario).__name__}; parameter values go in overrides={{'key': value}}"
        )
    if overrides is not None and not isinstance(overrides, Mapping):
        raise TypeError(
            "make_params: overrides maps dotted keys to values ({'policy.devolution.powers': 20}); "
            "Hydra override strings go in hydra_overrides=['key=value', ...]"
        )
    if isinstance(hydra_overrides, str):
        hydra_overrides = [hydra_overrides]
    if region is not None and not isinstance(region, str):
        raise TypeError(
            f"make_params: region is the name of a region config (ningxia, synthetic, national), "
            f"not {type(region).__name__}"
        )
    seed = check_value("seed", seed)
    cfg = compose_config(
        [f"scenario={scenario}", f"seed={seed}", *([f"region={region}"] if region else []), *hydra_overrides]
    )
    missing = object()
    for key, value in dict(overrides or {}).items():
        if OmegaConf.select(cfg, key, default=missing) is missing:
            raise ConfigError(f"{key}: unknown configuration key")
        if _is_schema_field(key):
            value = check_value(key, value)  # its kind and range, naming the key; numpy scalars made Python ones
        elif isinstance(value, np.generic):
            value = value.item()
        try:
            OmegaConf.update(cfg, key, value, merge=False)
        except OmegaConfBaseException as exc:
            raise ConfigError(f"{key} = {value!r}: {str(exc).splitlines()[0]}") from exc
    return from_dictconfig(cfg)


# --------------------------------------------------------------------------- running
def simulate(params: ModelConfig, *, region: RegionData | None = None) -> Result:
    """Run the model for ``params`` (from :func:`make_params`; validated again before anything runs)
    on its region (``region``: a :class:`~sim.data.RegionData` of your own instead) and return
    the :class:`Result`: the tables :func:`sim.runner.run.simulate` returns, their headline
    outcomes and the parameters."""
    if not isinstance(params, ModelConfig):
        raise TypeError(
            f"simulate() takes the validated parameters make_params() returns (a ModelConfig), not "
            f"{type(params).__name__}: sim.simulate(sim.make_params(scenario, seed, overrides={{...}}))"
        )
    from sim.runner.run import simulate as run_tables

    tables = run_tables(params, region)
    return Result(tables, outcomes(tables), params)


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def outcomes(tables: Mapping[str, pd.DataFrame]) -> dict[str, float | int]:
    """The run-level outcomes of a run's ``tables`` (needs ``monthly``; latencies need
    ``approvals``), under the names of ``sim.vocabulary.OUTCOMES`` that a run's ``summary.csv`` and
    an experiment's ``run_outcomes.parquet`` use: one function computes all three
    (:func:`sim.runner.outcomes.run_outcomes`); units and meanings in ``docs/outputs.md``."""
    from sim.runner.outcomes import run_outcomes

    return {name: _plain(v) for name, v in run_outcomes(tables).items()}


# --------------------------------------------------------------------------- reading runs back
def load_run(folder: str | Path) -> Result:
    """The run ``zonesim`` wrote into ``folder`` (a single run's output folder, or ``runs/<key>/``
    of an experiment): its tables (every ``<name>.parquet`` written; event logs are absent when
    ``output.event_logs`` was off), the outcomes of its ``summary.csv`` and the parameters of its
    ``run.json``.  A folder that is not a complete run (its ``DONE`` record missing or not
    matching the files) is a :class:`NotARunError`."""
    import pandas as pd

    from sim.runner.files import check_done
    from sim.runner.outputs import TABLES

    folder = Path(folder)
    if not folder.is_dir():
        raise NotARunError(f"{folder} is not a folder")
    if not (folder / "run.json").is_file():
        hint = (
            ": it is an experiment, read it with sim.load_experiment()"
            if (folder / "runs").is_dir() or (folder / "design.json").is_file()
            else ""
        )
        raise NotARunError(f"{folder} is not a run folder written by zonesim (no run.json){hint}")
    problem = check_done(folder, legacy=True)
    if problem:
        raise NotARunError(f"{folder} is not a complete run: {problem}")
    tables = {
        name: pd.read_parquet(folder / f"{name}.parquet") for name in TABLES if (folder / f"{name}.parquet").is_file()
    }
    row = pd.read_csv(folder / "summary.csv").iloc[0]
    found = {name: _plain(v) for name, v in row.items() if name not in ("scenario", "seed")}
    return Result(tables, found, _recorded_params(folder), folder)


def _recorded_params(folder: Path) -> ModelConfig | dict:
    """The validated configuration of ``folder/run.json``; its plain dict (with a warning) when it
    no longer fits the schema (a run written by older code)."""
    from omegaconf import OmegaConf

    config = json.loads((folder / "run.json").read_text(encoding="utf-8"))["config"]
    try:
        return from_dictconfig(OmegaConf.create(config))
    except ConfigError as exc:
        warnings.warn(
            f"{folder / 'run.json'}: its configuration does not fit the current schema ({exc}); "
            "Result.params is its plain dict",
            stacklevel=3,
        )
        return config


def load_experiment(folder: str | Path) -> Experiment | Sensitivity:
    """The experiment in ``folder`` (a comparison or sweep of ``zonesim -m`` / ``experiment=…``, or a
    ``zonesim-sensitivity`` design): :func:`sim.analysis.load.open_folder`'s reader, whose tables
    (``effects``, ``summary``, ``run_outcomes``, ``monthly``, ...) load on first use."""
    from sim.analysis.load import open_folder

    return open_folder(folder)
