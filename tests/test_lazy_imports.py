"""The sensitivity and aggregate packages import their parts on first use (sim.lazy): the Hydra
callback and the command line do not pay for SALib, scipy.stats and matplotlib, and every
exported name still resolves."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

PACKAGES = ["sim.experiments.sensitivity", "sim.experiments.aggregate"]


@pytest.mark.parametrize("package", PACKAGES)
def test_every_exported_name_resolves(package):
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, name
    assert set(module.__all__) <= set(dir(module))
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        module.not_a_name  # noqa: B018


@pytest.mark.parametrize(
    "statement",
    [
        # the Hydra callback of the sensitivity command
        "from sim.experiments.sensitivity import SensitivityCallback",
        # aggregating needs t quantiles (scipy.special), not scipy.stats (0.5 s more at the end of
        # every sweep); matplotlib only when figures are drawn
        "import sim.experiments.aggregate.build",
    ],
)
def test_light_parts_do_not_import_the_heavy_analysis(statement):
    code = (
        "import sys\n"
        f"{statement}\n"
        "heavy = [m for m in ('matplotlib', 'scipy.stats', 'SALib') if m in sys.modules]\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()
    assert out == ""


def test_a_process_that_imported_sim_skips_the_collections_at_exit():
    """Importing ``sim`` registers ``gc.freeze`` at exit: the objects still alive move to the
    collector's permanent generation, which the interpreter's collections at finalisation skip
    (0.5-0.8 s of every command and worker)."""
    code = (
        "import atexit, gc\n"
        "import sim, pandas\n"
        "before = gc.get_freeze_count()\n"
        "atexit._run_exitfuncs()\n"
        "print(gc.get_freeze_count() - before)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert int(out) > 10_000  # pandas alone leaves tens of thousands
