"""``python -m sim.experiments.aggregate``: the ``zonesim-aggregate`` command."""

from sim.experiments.aggregate.build import main

main()
