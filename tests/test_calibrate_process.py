"""``zonesim-calibrate-process``: the approval-process reform's unquantified lever fitted on the
national pilots' evidence (configs/calibration/process.yaml)."""

from __future__ import annotations

import pytest
from omegaconf import OmegaConf

from sim.experiments.calibrate_process import ProcessObjective, load_spec
from sim.experiments.sensitivity import DesignError


def test_the_committed_design_loads_and_aims_inside_the_pilots_range():
    spec = load_spec()
    lo, hi = spec["target_range"]
    assert lo <= spec["target_cut"] <= hi
    assert spec["parameter"] == "policy.approval_process.transit_cut"


def test_a_bad_design_is_refused_naming_the_file(tmp_path):
    spec = OmegaConf.to_container(OmegaConf.load(load_spec.__defaults__[0]))
    spec["targte_cut"] = spec.pop("target_cut")
    path = tmp_path / "process.yaml"
    OmegaConf.save(OmegaConf.create(spec), path)
    with pytest.raises(
        DesignError, match=r"process\.yaml: unknown keys \['targte_cut'\], missing keys \['target_cut'\]"
    ):
        load_spec(path)


def test_the_lever_raises_the_reforms_cut_in_government_time():
    """The objective's measure moves the way the mechanism says: removing transit between offices
    cuts the government time of the reformed process further (one seed, a short cohort)."""
    spec = {**load_spec(), "seeds": 1, "cohort": ["2020-01", "2020-06"], "overrides": ["time.end=2021-12"]}
    obj = ProcessObjective(spec, n_jobs=1)
    none, full = obj.cut(0.0), obj.cut(1.0)
    assert 0.0 < none < full < 1.0
    assert [e["value"] for e in obj.evaluations] == [0.0, 1.0]
