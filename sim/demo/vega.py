"""What the dashboard's charts share as Vega-Lite specs written as plain dicts (the browser draws them;
:mod:`sim.demo.outcome_charts`, :mod:`sim.demo.region_map`)."""

from __future__ import annotations

import pandas as pd

VEGA_LITE_SCHEMA = "https://vega.github.io/schema/vega-lite/v5.json"
"""The Vega-Lite major version of Solara's browser renderer."""


def inline_data(frame: pd.DataFrame) -> dict:
    """A spec's ``data``: the rows as JSON-ready dicts (NaN as null: NaN is not JSON)."""
    return {"values": frame.astype(object).where(frame.notna(), None).to_dict("records")}
