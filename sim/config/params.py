"""Parameter declaration: :func:`param` stores a field's unit, source and admissible range in
its metadata; :func:`range_text` renders the range in words."""

from __future__ import annotations

import copy
from dataclasses import field
from typing import Any


def range_text(meta: dict, default: Any = None) -> str:
    """A parameter's admissible range in words, as the ODD's tables and ``zonesim --help`` write it
    (``meta``: its field metadata; ``default`` gives its type)."""
    if isinstance(default, bool):
        return "true, false"
    if meta.get("unit") == "YYYY-MM":
        return "a month YYYY-MM"
    if meta.get("choices"):
        return "one of: " + ", ".join(meta["choices"])
    lo, hi, gt = meta.get("ge"), meta.get("le"), meta.get("gt")
    if gt is not None and hi is not None:
        return f"({gt:g}, {hi:g}]"
    if lo is not None and hi is not None:
        return f"[{lo:g}, {hi:g}]"
    if gt is not None:
        return f"> {gt:g}"
    if lo is not None:
        return f"≥ {lo:g}"
    if hi is not None:
        return f"≤ {hi:g}"
    return "any"


def param(
    default: Any,
    unit: str,
    source: str,
    *,
    ge: float | None = None,
    le: float | None = None,
    gt: float | None = None,
    choices: tuple[str, ...] | None = None,
    doc: str = "",
):
    """Declare a model parameter with its unit, source and admissible range."""
    meta = {"unit": unit, "source": source, "ge": ge, "le": le, "gt": gt, "choices": choices, "doc": doc}
    if isinstance(default, (list, dict)):
        return field(default_factory=lambda: copy.deepcopy(default), metadata=meta)
    return field(default=default, metadata=meta)
