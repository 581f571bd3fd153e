"""Teaching dashboard (issue 6): the reform and its baseline side by side in a browser.

``zonesim-demo`` serves :mod:`sim.demo.app` with Solara on this computer; ``zonesim-demo-assets``
fills the local cache of web assets so that it works offline (:mod:`sim.demo.assets`).
Exercises for a class: ``docs/teaching.md``.
"""
