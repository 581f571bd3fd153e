"""The command's start: :func:`sim.runner.cli.main` gives Hydra the ``hydra.mode`` that
:func:`~sim.runner.checks.check_command` found, instead of letting Hydra compose the whole
configuration once more to find it (``Hydra.get_mode``).  The answer must be Hydra's own."""

from __future__ import annotations

import inspect

import pytest
from hydra._internal.hydra import Hydra

from sim.runner import cli
from sim.runner.checks import UNCHECKED, check_command
from sim.runner.command import _hydra


@pytest.mark.parametrize(
    "argv",
    [
        ["seed=3", "time.end=2016-06"],
        ["-m", "seed=0,1", "time.end=2016-06"],
        ["--multirun", "scenario=baseline,full_reform", "time.end=2016-06"],
        ["experiment=compare", "time.end=2016-06"],  # the experiment sets hydra.mode=MULTIRUN
        ["experiment=compare", "hydra.mode=RUN", "seed=2", "time.end=2016-06"],
    ],
)
def test_the_mode_handed_to_hydra_is_hydras_own(argv, tmp_path):
    argv = [*argv, f"hydra.sweep.dir={tmp_path / 'sweep'}", f"hydra.run.dir={tmp_path / 'run'}"]
    overrides = [a for a in argv if not a.startswith("-")]
    mine = check_command(argv)
    with _hydra() as gh:
        assert mine == gh.get_mode(config_name="config", overrides=overrides)


def test_information_flags_are_not_checked_and_hydra_finds_the_mode():
    assert check_command(["--cfg", "job"]) is UNCHECKED
    original = Hydra.get_mode
    with cli._mode_known(UNCHECKED):
        assert Hydra.get_mode is original


def test_hydra_is_given_the_mode_and_gets_its_method_back():
    """Hydra's private ``get_mode(self, config_name, overrides)``: if a Hydra release renames or
    reshapes it, this test fails rather than the command composing twice unnoticed."""
    assert list(inspect.signature(Hydra.get_mode).parameters) == ["self", "config_name", "overrides"]
    original = Hydra.get_mode
    with cli._mode_known("MULTIRUN-as-found"):
        assert Hydra.get_mode(None, "config", []) == "MULTIRUN-as-found"
    assert Hydra.get_mode is original
