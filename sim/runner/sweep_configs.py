"""Each job's configuration of a sweep, composed once per distinct shape instead of once per job.

Hydra composes a sweep's every job from scratch (the defaults tree, every file, every merge):
about 0.14 s a job, twice (the sweeper checks that each job composes, the launcher composes it
again), which was 20 s of a 70-run comparison before its first run started.  Jobs of a sweep
mostly differ by plain values (``seed=3``, ``policy.devolution.powers=20``), which Hydra applies
to the composed tree after composing it, in their order.  So :class:`SweepConfigs` composes each
distinct list of *shaping* overrides (config-group choices such as ``scenario=``, ``hydra`` keys,
additions, deletions, packages) once with Hydra's own loader, and gives each job a copy with its
values applied by Hydra's rule and the job's own ``hydra.overrides.task`` and
``hydra.job.override_dirname``: the configuration Hydra's ``load_sweep_config`` returns
(``tests/test_sweep_configs.py`` compares them whole), in about 4 ms.

:func:`split_overrides` and :func:`apply_values` are the same rule for ``sim.make_params``
(:mod:`sim.api`), which composes a loop over parameter values once.
"""

from __future__ import annotations

import hashlib
import pickle
import weakref
from collections.abc import Callable, Sequence


def split_overrides(overrides: tuple[str, ...], is_group: Callable[[str], bool]) -> tuple[tuple[str, ...], list]:
    """The overrides that shape the configuration (config-group choices, ``hydra`` keys,
    additions, deletions, packages), which Hydra composes, and the plain value changes
    (``time.end=2016-06``), parsed by Hydra's own grammar.  ``is_group(key)``: whether a key names
    a config group (``scenario``, ``policy/assessment``; dots are given as slashes)."""
    from hydra.core.override_parser.overrides_parser import OverridesParser

    return _split(overrides, OverridesParser.create().parse_overrides(list(overrides)), is_group)


def _split(overrides: tuple[str, ...], parsed_overrides: list, is_group: Callable[[str], bool]):
    """:func:`split_overrides` of overrides parsed already."""
    from hydra.core.override_parser.types import OverrideType, ValueType

    structure, values = [], []
    for line, parsed in zip(overrides, parsed_overrides, strict=True):
        key = parsed.key_or_group
        plain = (
            parsed.type == OverrideType.CHANGE
            and parsed.package is None
            and parsed.value_type == ValueType.ELEMENT
            and not parsed.is_hydra_override()
            and not is_group(key.replace(".", "/"))
        )
        if plain:
            values.append(parsed)
        else:
            structure.append(line)
    return tuple(structure), values


def apply_values(cfg, values: list) -> None:
    """Hydra's own rule for value changes (``ConfigLoaderImpl._apply_overrides_to_config``):
    merged into the struct-mode configuration in their order, Hydra's error for a key that is not
    in it."""
    from hydra._internal.config_loader_impl import ConfigLoaderImpl

    ConfigLoaderImpl._apply_overrides_to_config(values, cfg)


class SweepConfigs:
    """The configurations of a sweep's jobs: ``load(overrides)`` returns what Hydra's
    ``config_loader.load_sweep_config(master_config, overrides)`` returns, composing the tree once
    per distinct list of shaping overrides (:func:`split_overrides`).  :meth:`of` shares the
    instance between the sweeper's check and the launcher (one configuration loader).

    Compositions are also shared between instances whose master configurations are the same
    (:data:`_SHAPES`): the command's check (:func:`sim.runner.checks.check_command`) composes with
    its own loader the master configuration Hydra's launcher will have, so the launcher reuses the
    check's compositions (seven for the main job: 2-4 s before its first run) instead of composing
    them again.  A composition is a function of the master configuration (its config name, its
    ``hydra`` overrides, its config sources) and of the files it reads, which do not change within
    a command."""

    def __init__(self, config_loader, master_config):
        from hydra.core.override_parser.overrides_parser import OverridesParser

        self.config_loader = config_loader
        self.master = master_config
        #: each shape's composed configuration, pickled: a job's copy is one ``pickle.loads``
        self._bases: dict[tuple[str, ...], bytes] = _SHAPES.setdefault(_content_key(master_config), {})
        self._groups: dict[str, bool] = {}
        self._parser = OverridesParser.create()

    @classmethod
    def of(cls, config_loader, master_config) -> SweepConfigs:
        """The instance for this loader and master configuration (made on first use)."""
        mine = _SHARED.setdefault(config_loader, {})
        key = id(master_config)
        if key not in mine or mine[key].master is not master_config:
            mine[key] = cls(config_loader, master_config)
        return mine[key]

    def is_group(self, key: str) -> bool:
        known = self._groups.get(key)
        if known is None:
            known = self._groups[key] = bool(self.config_loader.repository.group_exists(key))
        return known

    def load(self, overrides: Sequence[str]):
        from hydra._internal.config_loader_impl import get_overrides_dirname
        from omegaconf import OmegaConf, open_dict

        overrides = list(overrides)
        parsed = self._parser.parse_overrides(overrides)  # once: Hydra's grammar costs ~1 ms a line
        structure, values = _split(tuple(overrides), parsed, self.is_group)
        if structure not in self._bases:
            self._bases[structure] = pickle.dumps(self.config_loader.load_sweep_config(self.master, list(structure)))
        cfg = pickle.loads(self._bases[structure])  # a copy: a third of deepcopy's time
        if values:
            apply_values(cfg, values)
            # the task overrides, as Hydra takes them: the job's own that are not hydra's (the
            # command's hydra overrides, which Hydra puts first, are all hydra's)
            app = [o for o in parsed if not o.is_hydra_override()]
            dirname = cfg.hydra.job.config.override_dirname
            with open_dict(cfg.hydra):
                cfg.hydra.overrides.task = [o.input_line for o in app]
                cfg.hydra.job.override_dirname = get_overrides_dirname(
                    overrides=app,
                    kv_sep=dirname.kv_sep,
                    item_sep=dirname.item_sep,
                    exclude_keys=dirname.exclude_keys,
                )
        OmegaConf.copy_cache(from_config=self.master, to_config=cfg)
        return cfg


_SHARED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
"""Loader -> {id(master configuration): SweepConfigs}: the sweeper's and the launcher's share."""


_SHAPES: dict[bytes, dict[tuple[str, ...], bytes]] = {}
"""A master configuration's content (:func:`_content_key`) -> its shapes' compositions (pickled),
shared by every :class:`SweepConfigs` of that master configuration; emptied by :func:`forget_shapes`."""


def _content_key(master_config) -> bytes:
    """A digest of the master configuration's values and interpolations as written: not of what
    resolvers have cached at some moment (``${now:...}``), which :meth:`SweepConfigs.load` copies
    from each master configuration into its jobs' anyway."""
    from omegaconf import OmegaConf

    content = OmegaConf.to_container(master_config, resolve=False)
    return hashlib.blake2b(pickle.dumps(content), digest_size=16).digest()


def forget_shapes() -> None:
    """Drop the compositions kept for sharing (a command's check does, before it composes)."""
    _SHAPES.clear()
