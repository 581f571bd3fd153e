"""Imports on first use (sim.lazy): the sensitivity and aggregate packages import their parts on
first use, so the Hydra callback and the command line do not pay for SALib, scipy.stats and
matplotlib, and every exported name still resolves; the model imports Mesa without its spaces,
which load whole when used."""

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


def _run(code: str) -> str:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip()


def test_the_model_does_not_import_mesas_spaces():
    """Mesa's package imports its spaces (scipy.spatial, networkx), which the model never uses: a
    process that runs the model does not import them (sim.model.mesa_core)."""
    code = (
        "import sys\n"
        "import sim.model.model, sim.runner.run\n"
        "import mesa\n"
        "names = ('networkx', 'scipy.spatial', 'mesa.discrete_space', 'mesa.space',"
        " 'mesa.experimental.continuous_space')\n"
        "print([m for m in names if m in sys.modules])\n"
        "print(mesa.Model.__module__, mesa.Agent.__module__, mesa.DataCollector.__module__)\n"
    )
    assert _run(code).splitlines() == ["[]", "mesa.model mesa.agent mesa.datacollection"]


@pytest.mark.parametrize(
    "use",
    [
        "grid = mesa.discrete_space.OrthogonalMooreGrid",  # a name read through the package
        "from mesa.discrete_space import OrthogonalMooreGrid as grid",
        "import mesa.discrete_space as ds; grid = ds.OrthogonalMooreGrid",
        "from mesa.discrete_space.grid import OrthogonalMooreGrid as grid",  # a part, before the package
        "import mesa.discrete_space.grid; grid = mesa.discrete_space.grid.OrthogonalMooreGrid",
        "grid = [n for n in dir(mesa.discrete_space) if n == 'OrthogonalMooreGrid'] and"
        " mesa.discrete_space.OrthogonalMooreGrid",
    ],
)
def test_a_deferred_mesa_module_loads_whole_on_first_use(use):
    """Any way of reaching a deferred submodule imports the real one, once: it then stands in
    ``sys.modules`` and on the package, and its classes are the package's own."""
    code = (
        "import sys, types\n"
        "import sim.model.model\n"
        "import mesa\n"
        f"{use}\n"
        "real = sys.modules['mesa.discrete_space']\n"
        "assert type(real) is types.ModuleType, type(real)\n"
        "assert mesa.discrete_space is real\n"
        "assert grid is real.OrthogonalMooreGrid is sys.modules['mesa.discrete_space.grid'].OrthogonalMooreGrid\n"
        "import mesa.space, mesa.experimental.continuous_space as cs\n"
        "assert mesa.space.MultiGrid and cs.ContinuousSpace and 'networkx' in sys.modules\n"
        "print('ok')\n"
    )
    assert _run(code) == "ok"


def test_mesa_imported_first_is_left_as_it_is():
    """A process that imported Mesa before the model keeps Mesa as Mesa made it."""
    code = (
        "import sys, mesa\n"
        "import sim.model.model\n"
        "print(type(mesa.discrete_space).__name__, 'networkx' in sys.modules)\n"
    )
    assert _run(code) == "module True"
