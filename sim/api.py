"""The public Python API: what researchers' own tools (SALib, EMA Workbench, a numpy loop, a
notebook) call to turn parameter values into a validated configuration, and to run it.

    from sim.api import make_params, simulate
    params = make_params({"policy.devolution.powers": 20}, scenario="full_reform", seed=3)
    tables = simulate(params)   # monthly, zones_yearly, approvals, ... as pandas DataFrames

``make_params`` composes the same Hydra configuration the command line does (``zonesim
scenario=full_reform seed=3 policy.devolution.powers=20`` runs with the same parameters and run
key), so results from Python and from the command line can be compared one for one.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from sim.config.schema import ModelConfig, register_configs
from sim.config.validate import ConfigError, from_dictconfig
from sim.runner.cli import CONFIG_DIR
from sim.runner.run import simulate

__all__ = ["ConfigError", "ModelConfig", "compose_config", "make_params", "simulate"]

_lock = threading.Lock()  # Hydra keeps global state while it composes: one composition at a time


def compose_config(overrides: Sequence[str] = ()):
    """The composed (not yet validated) configuration ``zonesim <overrides>`` runs with, as an
    OmegaConf ``DictConfig``; ``overrides`` in Hydra's syntax (``scenario=full_reform``)."""
    from hydra import compose, initialize_config_dir

    register_configs()
    with _lock, initialize_config_dir(config_dir=str(CONFIG_DIR), version_base="1.3", job_name="zonesim"):
        return compose(config_name="config", overrides=list(overrides))


def make_params(values: Mapping[str, Any] | None = None, *, scenario: str | None = None,
                seed: int | None = None, overrides: Sequence[str] = ()) -> ModelConfig:
    """Validated parameters from flat values.

    ``values`` maps dotted keys (``policy.devolution.powers``) to values, numpy scalars included,
    set on top of ``scenario``'s configuration (and of Hydra ``overrides``, applied first);
    ``seed`` sets the run's seed.  An unknown key, a value of the wrong type or out of its range
    is a :class:`~sim.config.validate.ConfigError` naming the key, before anything runs.
    """
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    cfg = compose_config([*overrides, *([f"scenario={scenario}"] if scenario else [])])
    missing = object()
    for key, value in dict(values or {}).items():
        current = OmegaConf.select(cfg, key, default=missing)
        if current is missing:
            raise ConfigError(f"{key}: unknown configuration key")
        value = value.item() if isinstance(value, np.generic) else value
        if isinstance(current, bool) and not isinstance(value, bool):  # OmegaConf would read "yes" or 1 as true
            raise ConfigError(f"{key} = {value!r} is not a boolean (true or false)")
        try:
            OmegaConf.update(cfg, key, value, merge=False)
        except OmegaConfBaseException as exc:
            raise ConfigError(f"{key} = {value!r}: {str(exc).splitlines()[0]}") from exc
    if seed is not None:
        cfg.seed = seed.item() if isinstance(seed, np.generic) else seed
    return from_dictconfig(cfg)
