"""Structure of ``sim/model`` (issue 19, item 2): small modules split along concepts, no import cycle,
mechanisms where their names say, kernels with named arguments and life-cycle codes defined once."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np

from sim.model import approval_layout, choice_kernels, firm_accounts, firm_exits
from sim.model.lifecycle import LifeCycle
from sim.model.policies.consolidation import Consolidation
from sim.model.policies.devolution import Devolution

MODEL = Path(__file__).resolve().parents[1] / "sim" / "model"
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    return {
        "sim.model." + ".".join(p.relative_to(MODEL).with_suffix("").parts).removesuffix(".__init__"): p
        for p in sorted(MODEL.rglob("*.py"))
    }


def _runtime_imports(path: Path, known: set[str]) -> set[str]:
    """The ``sim.model`` modules a module imports when it is imported (not under ``TYPE_CHECKING``,
    not inside functions)."""
    out: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.If):  # ``if TYPE_CHECKING:`` blocks only name types
            continue
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        out |= {n for n in names if n in known}
    return out


def test_no_module_of_the_model_is_over_400_lines():
    sizes = {name: len(p.read_text().splitlines()) for name, p in _modules().items()}
    assert {n: s for n, s in sizes.items() if s > MAX_LINES} == {}


def test_the_model_has_no_import_cycle():
    mods = _modules()
    graph = {name: _runtime_imports(p, set(mods)) - {name} for name, p in mods.items()}
    state: dict[str, int] = {}  # 1: on the path, 2: done

    def visit(m: str, path: list[str]) -> None:
        state[m] = 1
        for n in sorted(graph[m]):
            assert state.get(n) != 1, "import cycle: " + " -> ".join([*path, m, n])
            if n not in state:
                visit(n, [*path, m])
        state[m] = 2

    for m in sorted(graph):
        if m not in state:
            visit(m, [])


def test_life_cycle_codes_are_defined_once():
    assert approval_layout.CONSTRUCTION == LifeCycle.CONSTRUCTION
    assert approval_layout.OPERATING == LifeCycle.OPERATING
    assert approval_layout.WITHDRAWN == LifeCycle.WITHDRAWN
    defining = [
        p.name for p in MODEL.rglob("*.py") if "class LifeCycle" in p.read_text() or "WITHDRAWN = 6" in p.read_text()
    ]
    assert defining == ["lifecycle.py"]


def test_kernels_take_named_arguments():
    for kind in (
        approval_layout.Offices,
        approval_layout.Items,
        approval_layout.Context,
        approval_layout.Cases,
        approval_layout.Applicants,
        approval_layout.Done,
        approval_layout.Pipeline,
        choice_kernels.Projects,
        choice_kernels.Zones,
        choice_kernels.Tastes,
        firm_accounts.Finance,
        firm_exits.ExitParams,
    ):
        assert issubclass(kind, tuple) and kind._fields
    text = (MODEL / "approval_kernels.py").read_text() + (MODEL / "approval_routing.py").read_text()
    for positional in ("offices[", "firms[", "scal[", "items[", "ctx[", "cases["):
        assert positional not in text


class _Active:
    """A stand-in for a policy's state: active or not, with its parameters."""

    def __init__(self, active: bool, powers: int):
        self.active = active
        self.params = type("P", (), {"powers": powers})()


def test_devolution_owns_its_routing_rule():
    powers = np.array([2, 0, 3, 1, 4])
    on = Devolution.devolved_items(_Active(True, 5), powers)  # whole items, in catalogue order
    assert on.tolist() == [True, False, True, False, False]
    assert not Devolution.devolved_items(_Active(False, 99), powers).any()


def test_consolidation_rules_are_named_methods():
    for rule in (
        "abolish_inverted",
        "one_zone_per_county",
        "merge_small_zones",
        "cap_blocks",
        "set_ranks",
        "rename",
        "cut_unbuilt",
    ):
        assert callable(getattr(Consolidation, rule))
