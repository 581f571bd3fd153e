"""The pattern report (issue 4 c): structural facts hold exactly, directional claims in the mean."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd

from sim.experiments.targets import CALIBRATION_TARGETS


def test_pattern_report_runs_from_one_command(tmp_path):
    """``zonesim-patterns`` runs baseline and full_reform with replicate seeds and writes a table in
    which every structural fact of the seed holds exactly and every measured directional claim
    holds in the mean; calibration targets are reported with the model's value (their fit is
    the calibration's job)."""
    exp = tmp_path / "patterns"
    res = subprocess.run(
        [sys.executable, "-m", "sim.experiments.patterns", "--seeds", "3", "--dir", str(exp)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    table = pd.read_csv(exp / "patterns.csv")
    assert (exp / "patterns.md").read_text().count("| structural") == 10
    structural = table[table["kind"] == "structural"]
    assert len(structural) == 10 and structural["holds"].astype(bool).all(), structural
    directional = table[(table["kind"] == "directional") & table["model_mean"].notna()]
    # among firms the OECD definition can classify (10+ years) the age gradient is the smallest
    # directional effect (10 seeds: +3.6 points, 95% CI +1.3 to +5.8, through owners): with 3 seeds it
    # is not required to hold here; the rest must
    weak = directional["pattern"].str.contains("among firms of 10\\+ years")
    assert weak.sum() == 1 and len(directional) >= 6, directional
    assert directional.loc[~weak, "holds"].astype(bool).all(), directional
    # placebo (2015-17, not fitted) and literature patterns (firm panel) are measured and reported
    assert (table["kind"] == "placebo").sum() == 2 and table.loc[table["kind"] == "placebo", "model_mean"].notna().all()
    literature = table[table["kind"] == "literature"]
    assert len(literature) == 9 and literature["model_mean"].notna().all()
    owners = literature["pattern"].str.startswith("zombie share of state or collective firms")
    assert owners.sum() == 1 and literature.loc[owners, "holds"].notna().all()  # checked: the census's sign
    # the CHK regressions without the published sales-growth control are reported, not checked
    unchecked = literature["pattern"].str.contains("without the sales-growth control")
    assert unchecked.sum() == 2 and literature.loc[unchecked, "holds"].isna().all()
    checked_chk = literature["pattern"].str.startswith("CHK") & ~unchecked
    assert checked_chk.sum() == 4 and literature.loc[checked_chk, "holds"].notna().all()
    calibration = table[table["kind"] == "calibration"]
    assert calibration["holds"].notna().sum() == len(CALIBRATION_TARGETS) and calibration["model_mean"].notna().all()
    assert (table["kind"] == "out-of-sample").sum() == 1  # 宁东 2018: observed after 2017, compared, never fitted
    # scale invariance: each larger replicated region against the smallest, every measure, paired by seed
    scale = table[table["kind"] == "scale"]
    assert len(scale) == 8 and scale["model_mean"].notna().all() and scale["holds"].notna().all()
    assert "measured patterns missed" in res.stdout
