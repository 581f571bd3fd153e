"""``python -m sim.experiments.sensitivity``: the ``zonesim-sensitivity`` command."""

from sim.experiments.sensitivity.command import main

main()
