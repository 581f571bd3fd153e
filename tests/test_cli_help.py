"""``zonesim --help`` and ``--version`` answer at once, without Hydra (issue 16, item 6)."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sim.runner import entry

BIN = Path(sys.executable).parent


def test_help_names_zonesim_its_scenarios_groups_keys_and_commands(capsys):
    entry.main(["--help"])
    out = capsys.readouterr().out
    assert out.startswith("zonesim ")
    assert "full_reform" in out and "approval_reform" in out
    assert "policy/devolution: ningxia, off" in out
    assert "calibration" not in out.split("other commands")[0]  # not a group a run can select
    assert "policy.devolution.powers = 37   (powers devolved; [0, 37])" in out
    assert "seed = 0   (-; ≥ 0)" in out and "time.start = 2015-01   (YYYY-MM; a month YYYY-MM)" in out
    assert "region.data_dir = null" in out and "policy.devolution.one_stop_agent = true" in out
    assert "zonesim-calibrate-process" in out and "zonesim-notebooks" in out


def test_version_names_zonesim_and_its_version(capsys):
    entry.main(["--version"])
    out = capsys.readouterr().out.strip()
    assert out.startswith("zonesim 0.1.0")


def test_help_is_fast_and_loads_no_hydra():
    """The console script itself: under a second of wall time (median of 3, generous for CI noise),
    and Hydra never imported."""
    times = []
    for _ in range(3):
        t = time.perf_counter()
        done = subprocess.run([str(BIN / "zonesim"), "--help"], capture_output=True, text=True, timeout=60)
        times.append(time.perf_counter() - t)
        assert done.returncode == 0 and done.stdout.startswith("zonesim ")
    assert sorted(times)[1] < 1.0, times
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from sim.runner import entry; entry.help_text(); print('hydra' in sys.modules)",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert probe.stdout.strip() == "False", probe.stderr
