"""The sections of the configuration schema, one module per concept (assembled in
:mod:`sim.config.schema`)."""
