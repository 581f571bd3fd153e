"""The model's numba kernels are cached under a stamp of the whole model's code
(:mod:`sim.model.kernel_cache`): an edit to a module a kernel inlines (not its own file) makes the
cached kernel stale instead of silently running the old code."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sim.model import approval_kernels, kernel_cache

MODEL = Path(kernel_cache.__file__).resolve().parent


#: numba's compiling decorators, taken from numba itself rather than from the stamped cache
_OWN_DECORATOR = re.compile(
    r"^\s*from numba(\.core\.decorators)? import [^\n]*\b(n?jit|vectorize|guvectorize|cfunc)\b"
    r"|\bnumba\.(n?jit|vectorize|guvectorize|cfunc)\b",
    re.M,
)


def test_every_kernel_module_takes_njit_from_the_stamped_cache():
    """Compiling decorators come from :mod:`sim.model.kernel_cache`; other parts of numba (types and
    intrinsics, :mod:`sim.model.prefetch`) may be imported directly: they compile nothing of their own."""
    offenders = [
        p.name for p in MODEL.rglob("*.py") if p.name != "kernel_cache.py" and _OWN_DECORATOR.search(p.read_text())
    ]
    assert offenders == []


def test_the_decorator_check_catches_each_way_of_taking_njit_from_numba():
    for source in (
        "from numba import njit\n",
        "from numba import types, njit\n",
        "import numba\n@numba.njit\ndef f(): pass\n",
        "from numba import jit\n",
    ):
        assert _OWN_DECORATOR.search(source), source
    for source in (
        "from numba import types\n",
        "from numba.extending import intrinsic\n",
        "from sim.model.kernel_cache import njit\n",
    ):
        assert not _OWN_DECORATOR.search(source), source


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
