"""One line per error: Hydra's and OmegaConf's several-line messages reduced to the cause and the
admissible values, as ``zonesim`` prints them on stderr (see :mod:`sim.runner.cli`)."""

from __future__ import annotations

import difflib
import re
from typing import Any

from omegaconf.errors import OmegaConfBaseException

from sim.config.validate import ConfigError
from sim.data import DataError
from sim.layout import CONFIG_DIR

_NOISE = (
    "See https://",
    "Set the environment variable",
    "Config search path",
    "provider=",
    "full_key:",
    "object_type=",
    "reference_type=",
)
_GRAMMAR = "https://hydra.cc/docs/advanced/override_grammar/basic/"


def _lines(text: str) -> list[str]:
    return [ln.strip() for ln in str(text).splitlines() if ln.strip() and not ln.strip().startswith(_NOISE)]


def _one_line(exc: BaseException) -> str:
    """One line for any error a bad input raises: Hydra's and OmegaConf's several lines (a
    message, hints, the config search path) reduced to the cause and the admissible values."""
    if isinstance(exc, (ConfigError, DataError)):
        return " ".join(_lines(exc)) or type(exc).__name__
    text = str(exc)
    lines = _lines(text)
    if not lines:
        return type(exc).__name__
    first = lines[0]
    cause = exc.__cause__
    m = re.match(r"Cannot find primary config '([^']+)'", first)
    if m:
        names = sorted(p.stem for p in CONFIG_DIR.glob("*.yaml"))
        return f"--config-name {m.group(1)}: no such configuration (available: {', '.join(names)})"
    m = re.search(r"Could not find '(.+)/([^/']+)'", text)
    if m and "Available options in" in text:  # an unknown option of a config group
        group, option = m.groups()
        options = []
        for ln in text.split("Available options in", 1)[1].splitlines()[1:]:
            if not ln.startswith("\t"):
                break
            options.append(ln.strip())
        what = "scenario" if group == "scenario" else f"option of config group {group}"
        return f"{group}={option}: no such {what} (available: {', '.join(options)})"
    if first.startswith("Could not override '") and isinstance(cause, OmegaConfBaseException):
        key = first.split("'")[1]
        return f"{key}: unknown configuration key{_suggest(key)}"
    if first.startswith("Error merging override") and isinstance(cause, OmegaConfBaseException):
        return _type_message(cause) or f"{first.removeprefix('Error merging override ')}: {_lines(cause)[0]}"
    m = re.match(r"Ambiguous value for argument '(.+)'", first)
    if m:
        arg = m.group(1)
        key, _, value = arg.partition("=")
        return (
            f"{arg}: a list of values sweeps only with -m (zonesim -m {arg}); "
            f"for a list value write {key}=[{value}], for a text quote it: {key}='{value}'"
        )
    m = re.match(r"Sweeping over Hydra's configuration is not supported : '(.+)'", first)
    if m:
        return f"{m.group(1)}: Hydra's own settings (hydra.*) cannot be swept; give one value"
    m = re.match(r"Could not override '(.+)'\. No match in the defaults list\.", first)
    if m:
        from sim.layout import config_groups

        return (
            f"{m.group(1)}: not a config group of this configuration "
            f"(groups: {', '.join(config_groups())}; a configuration key is set as key.name=value)"
        )
    m = re.match(r"Could not append to config\. An item is already at '(.+)'\.", first)
    if m:
        return f"+{m.group(1)}=...: {m.group(1)} is already in the configuration; set it without the '+'"
    if isinstance(exc, OmegaConfBaseException) and getattr(exc, "full_key", None):
        return f"{exc.full_key}: {first}"
    return " ".join(lines)


def _type_message(err: OmegaConfBaseException) -> str | None:
    """``seed = 'abc' is not an integer`` for OmegaConf's conversion errors (None for others)."""
    key, value = getattr(err, "full_key", None), getattr(err, "value", None)
    msg = str(getattr(err, "msg", "") or err)
    if not key:
        return None
    for needle, what in (
        ("converted to Integer", "an integer"),
        ("converted to Float", "a number"),
        ("valid bool", "a boolean (true or false)"),
        ("converted to String", "a text"),
    ):
        if needle in msg:
            return f"{key} = {value!r} is not {what}"
    m = re.match(r"Cannot assign (\w+) to (Dict|List)", msg)
    if m:
        kind = "a table (set one entry: KEY.NAME=VALUE)" if m.group(2) == "Dict" else "a list ([a,b])"
        return f"{key} = {value!r} is not {kind}"
    m = re.match(r"Invalid value '(.+)', expected one of \[(.+)\]", msg)
    if m:
        return f"{key} = {value!r} is not one of {m.group(2)}"
    return None


def _suggest(key: str) -> str:
    """`` (did you mean ...?)`` or the keys of its parent (from the schema), for an unknown key."""
    import dataclasses

    from sim.config.schema import ModelConfig

    *parent, name = key.split(".")
    everything = " (zonesim --help lists the main keys, zonesim --cfg job all of them)"
    if parent and parent[0] == "hydra":
        return " of Hydra's settings (zonesim --hydra-help; a launcher's settings depend on hydra/launcher)"
    node: Any = ModelConfig()
    for part in parent:
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
        if not (dataclasses.is_dataclass(node) or isinstance(node, dict)):
            return everything
    known = list(node) if isinstance(node, dict) else [f.name for f in dataclasses.fields(node)]
    close = difflib.get_close_matches(name, known, n=3)
    if close:
        return f" (did you mean {' or '.join('.'.join([*parent, c]) for c in close)}?)"
    if parent and len(known) <= 12:
        return f" ({'.'.join(parent)} has: {', '.join(known)})"
    return everything
