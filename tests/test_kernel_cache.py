"""The model's numba kernels are cached under a stamp of the whole model's code
(:mod:`sim.model.kernel_cache`): an edit to a module a kernel inlines (not its own file) makes the
cached kernel stale instead of silently running the old code."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sim.model import approval_kernels, kernel_cache

MODEL = Path(kernel_cache.__file__).resolve().parent


def test_every_kernel_module_takes_njit_from_the_stamped_cache():
    offenders = [
        p.name
        for p in MODEL.rglob("*.py")
        if p.name != "kernel_cache.py" and re.search(r"^\s*(from numba import|import numba)", p.read_text(), re.M)
    ]
    assert offenders == []


def test_a_kernel_is_stamped_with_the_model_digest():
    locator = approval_kernels.advance._cache._impl.locator
    assert type(locator).__name__.startswith("Model")
    own, model = locator.get_source_stamp()
    assert model == kernel_cache.model_source_digest()


def test_an_edit_to_an_inlined_module_changes_the_stamp(tmp_path, monkeypatch):
    copy = tmp_path / "model"
    shutil.copytree(MODEL, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(kernel_cache, "_PACKAGE", copy)
    kernel_cache.model_source_digest.cache_clear()
    try:
        before = kernel_cache.model_source_digest()
        queues = copy / "approval_queues.py"  # inlined into the approval kernels, not their own file
        queues.write_text(queues.read_text() + "\n# an edit\n")
        kernel_cache.model_source_digest.cache_clear()
        assert kernel_cache.model_source_digest() != before
    finally:
        kernel_cache.model_source_digest.cache_clear()


def test_functions_outside_the_model_keep_numbas_own_locators(tmp_path):
    for cls in kernel_cache._numba("CacheImpl")._locator_classes:
        if getattr(cls, "zonesim_model", False):
            assert cls.from_function(test_functions_outside_the_model_keep_numbas_own_locators, __file__) is None


def test_install_is_idempotent():
    impl = kernel_cache._numba("CacheImpl")
    n = len(impl._locator_classes)
    kernel_cache.install()
    assert len(impl._locator_classes) == n
