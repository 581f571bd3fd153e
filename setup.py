"""Packaging hook: the packages, and the Hydra configuration shipped inside the package.

The configuration lives at the top level (``configs/``, where Hydra projects keep it); a wheel
carries it as ``sim/configs`` (``sim.runner.entry.CONFIG_DIR`` finds either), so that a normal,
non-editable install runs from any folder.  Everything else is in ``pyproject.toml``.
"""

from pathlib import Path

from setuptools import find_namespace_packages, setup

CONFIGS = Path("configs")
config_packages = [
    "sim.configs",
    *("sim.configs." + ".".join(d.relative_to(CONFIGS).parts) for d in sorted(CONFIGS.rglob("*")) if d.is_dir()),
]

setup(
    # namespace packages too: hydra_plugins has no __init__.py (Hydra's plugin convention)
    packages=[
        *find_namespace_packages(include=["sim*", "hydra_plugins*"], exclude=["*__pycache__*"]),
        *config_packages,
    ],
    package_dir={"sim.configs": "configs"},
    package_data={name: ["*.yaml"] for name in config_packages},
)
