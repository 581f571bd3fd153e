"""The tables a run writes (``<name>.parquet`` in its folder; README, "Outputs of a single run").

Shared by the runner, which writes them, and the analysis layer, which reads them; this module
imports no model code, so the analysis layer can use it without loading the model.
"""

TABLES = ("monthly", "zones_yearly", "approvals", "exits", "zone_events", "offices", "firms_yearly")
