"""Mesa users' conventions (issue 16, item 4): keyword construction with ``rng``, a DataCollector
mirroring the monthly series, ``mesa.batch_run``, the end of the horizon, retired zones."""

from __future__ import annotations

import mesa
import numpy as np
import pandas as pd
import pytest

from sim import make_params
from sim.config.validate import ConfigError
from sim.data import build_region
from sim.model.agents import Zone, ZoneStatus
from sim.model.model import DATACOLLECTOR_SERIES, ZoneReformModel
from sim.runner.run import simulate

SHORT = {"time.end": "2016-12"}


def test_batch_run_returns_the_datacollectors_columns():
    rows = mesa.batch_run(
        ZoneReformModel,
        parameters={"policy.devolution.powers": [0, 37], **SHORT},
        rng=[1, 2],
        max_steps=12,
        number_processes=1,
        display_progress=False,
    )
    out = pd.DataFrame(rows)
    assert len(out) == 4  # 2 parameter values x 2 seeds, the last collected step of each
    assert set(DATACOLLECTOR_SERIES) <= set(out.columns)
    assert {"RunId", "iteration", "Step", "policy.devolution.powers", "rng"} <= set(out.columns)
    assert (out["Step"] == 12).all() and (out["date"] == "2015-12").all()
    # the same seed and setting give the same run
    again = pd.DataFrame(
        mesa.batch_run(
            ZoneReformModel,
            parameters={"policy.devolution.powers": [0], **SHORT},
            rng=[1],
            max_steps=12,
            number_processes=1,
            display_progress=False,
        )
    )
    first = out[(out["rng"] == 1) & (out["policy.devolution.powers"] == 0)]
    assert again["output"].iloc[0] == first["output"].iloc[0]


def test_batch_run_with_iterations_gives_distinct_seeds():
    with pytest.warns(DeprecationWarning):
        rows = mesa.batch_run(
            ZoneReformModel, parameters=SHORT, iterations=2, max_steps=6, number_processes=1, display_progress=False
        )
    assert len(rows) == 2 and rows[0]["output"] != rows[1]["output"]


def test_keyword_construction_equals_the_validated_config_path():
    """``ZoneReformModel(rng=3, **values)`` runs what ``make_params(seed=3, overrides=values)`` runs."""
    values = {"policy.devolution.powers": 20, **SHORT}
    by_keywords = ZoneReformModel(rng=3, **values).run().results()["monthly"]
    by_config = simulate(make_params(seed=3, overrides=values))["monthly"]
    pd.testing.assert_frame_equal(by_keywords, by_config)
    assert ZoneReformModel(rng=np.random.default_rng(0), **SHORT).params.seed >= 0


def test_keyword_construction_refuses_bad_values_naming_the_key():
    with pytest.raises(ConfigError, match="policy.devolution.powerz: unknown configuration key"):
        ZoneReformModel(rng=1, **{"policy.devolution.powerz": 3})
    with pytest.raises(ConfigError, match=r"policy.devolution.powers = 99 is out of range \[0, 37\]"):
        ZoneReformModel(rng=1, **{"policy.devolution.powers": np.int64(99)})
    with pytest.raises(TypeError, match="not both"):
        ZoneReformModel(make_params(), rng=1)


def test_the_datacollector_mirrors_the_monthly_series():
    m = ZoneReformModel(rng=2, **SHORT).run()
    dc = m.datacollector.get_model_vars_dataframe()
    mon = m.results()["monthly"]
    assert len(dc) == len(mon) == 24
    for name in DATACOLLECTOR_SERIES:
        np.testing.assert_array_equal(dc[name].to_numpy(), mon[name].to_numpy(), err_msg=name)
    assert not m.running
    m.step()  # after the end: nothing happens
    assert m.month == 24 and len(m.datacollector.get_model_vars_dataframe()) == 24


def test_merged_and_abolished_zones_leave_model_agents():
    params = make_params("full_reform", seed=0, overrides={"time.end": "2019-12"})
    m = ZoneReformModel(params, build_region(params)).run()
    retired = [z for z in m.zones if z.status in (ZoneStatus.MERGED, ZoneStatus.ABOLISHED)]
    assert retired  # consolidation merges zones in 2018
    live = set(m.agents_by_type[Zone])
    assert not live & set(retired)
    assert {z for z in m.zones if z.status not in (ZoneStatus.MERGED, ZoneStatus.ABOLISHED)} <= live
