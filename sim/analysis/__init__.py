"""Reading saved experiment outputs for analysts: notebooks, the HTML report and their helpers.

Everything here reads what experiments wrote to disk (Parquet, CSV, JSON, PNG); nothing here
runs or re-implements the model.

- :mod:`sim.analysis.load` — open an experiment folder (comparison, sweep or sensitivity);
- :mod:`sim.analysis.tables` — effects, summary and caveat tables, styled for HTML;
- :mod:`sim.analysis.text` — numbers in plain-language sentences (computed, never typed in);
- :mod:`sim.analysis.plots` — figures for notebooks and the report (PNG);
- :mod:`sim.analysis.levers` — separate contributions of two-level policy levers in a factorial sweep;
- :mod:`sim.analysis.zones`, :mod:`sim.analysis.latency`, :mod:`sim.analysis.zombies` — the
  domain tables of the league-table, approval-latency and zombie-firm notebooks;
- :mod:`sim.analysis.sensitivity` — ranked Morris / Sobol indices and their reading in words;
- :mod:`sim.analysis.report` — ``zonesim-report``: one self-contained HTML file per experiment;
- :mod:`sim.analysis.notebooks` — ``zonesim-notebooks``: re-execute the analyst notebooks.
"""
