"""Exit statuses of the console scripts (``zonesim``, ``zonesim-aggregate``, ``zonesim-sensitivity``, …)."""

EXIT_OK = 0
EXIT_FAILURES = 1  # the command ran, but some runs failed (or could not be used)
EXIT_BAD_INPUT = 2  # nothing was done: a bad argument, override, configuration or folder
