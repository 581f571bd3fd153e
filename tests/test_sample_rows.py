"""A parameter sample (``sample.file`` / ``sample.index``, what ``zonesim-sensitivity`` runs) applied to a
composed configuration: the same parameters whether the configuration is copied first or changed
in place by a caller that owns it (the sweep check, which composes each job afresh)."""

from __future__ import annotations

import copy

import pandas as pd
import pytest
from omegaconf import OmegaConf

from sim.api import compose_config
from sim.config.validate import ConfigError, apply_sample, from_dictconfig

ROWS = pd.DataFrame(
    {
        "investment.beta_latency": [-1.5, -0.25, -0.8],
        "investment.beta_subsidy": [1.25, 2.75, 2.0],
        "policy.devolution.powers": [12.4, 30.6, 37.0],  # an integer parameter sampled on a range: rounded
    }
)


@pytest.fixture
def sample_file(tmp_path):
    path = tmp_path / "samples.parquet"
    ROWS.to_parquet(path)
    return path


@pytest.mark.parametrize("index", range(len(ROWS)))
def test_in_place_and_copied_give_the_same_parameters(sample_file, index):
    cfg = compose_config(["scenario=full_reform", f"sample.file={sample_file}", f"sample.index={index}"])
    before = OmegaConf.to_container(cfg)
    copied = from_dictconfig(cfg)
    assert OmegaConf.to_container(cfg) == before  # the default leaves the caller's configuration alone
    owned = copy.deepcopy(cfg)
    in_place = from_dictconfig(owned, copy_first=False)
    assert in_place == copied
    row = ROWS.iloc[index]
    assert in_place.investment.beta_latency == row["investment.beta_latency"]
    assert in_place.investment.beta_subsidy == row["investment.beta_subsidy"]
    assert in_place.policy.devolution.powers == round(row["policy.devolution.powers"])
    assert owned.investment.beta_subsidy == row["investment.beta_subsidy"]  # changed where it was


def test_without_a_sample_the_configuration_is_returned_as_it_is():
    cfg = compose_config(["scenario=baseline"])
    assert apply_sample(cfg) is cfg and apply_sample(cfg, copy_first=False) is cfg


def test_a_row_out_of_range_is_an_error_either_way(sample_file):
    cfg = compose_config([f"sample.file={sample_file}", f"sample.index={len(ROWS)}"])
    for copy_first in (True, False):
        with pytest.raises(ConfigError, match=r"sample.index = 3 is out of range \[0, 2\]"):
            from_dictconfig(cfg, copy_first=copy_first)
