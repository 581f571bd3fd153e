"""The kernels' software prefetch (:mod:`sim.model.prefetch`): a hint that changes no result, that
the compiler really emits, and that the approval pipeline's event loop uses."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numba import njit
from numba.core.errors import TypingError

from sim.model.prefetch import prefetch


@njit(cache=False)
def _sum_rows(a, order, ahead):
    """Sum of column 0 over the rows ``order``, prefetching the row ``ahead`` steps later (0: none)."""
    total = 0.0
    for k in range(order.shape[0]):
        if ahead > 0 and k + ahead < order.shape[0]:
            prefetch(a, (order[k + ahead], a.shape[1] - 1))
        total += a[order[k], 0]
    return total


@settings(max_examples=25, deadline=None)
@given(
    rows=st.integers(1, 300),
    cols=st.integers(1, 20),
    ahead=st.integers(1, 8),
    seed=st.integers(0, 2**32 - 1),
)
def test_prefetch_changes_no_result(rows, cols, ahead, seed):
    rng = np.random.default_rng(seed)
    a = rng.standard_normal((rows, cols))
    order = rng.integers(0, rows, size=3 * rows)
    assert _sum_rows(a, order, ahead) == _sum_rows(a, order, 0)


def test_prefetch_is_emitted():
    """The hint reaches LLVM as ``llvm.prefetch`` (read, highest locality, data cache), not dropped."""
    a = np.zeros((4, 3))
    order = np.arange(4)
    _sum_rows(a, order, 1)
    ir = _sum_rows.inspect_llvm(_sum_rows.signatures[0])
    assert "call void @llvm.prefetch" in ir
    assert "i32 0, i32 3, i32 1)" in ir


def test_prefetch_of_a_vector_element():
    @njit(cache=False)
    def vector_sum(v, ahead):
        total = 0.0
        for k in range(v.shape[0]):
            if k + ahead < v.shape[0]:
                prefetch(v, k + ahead)
            total += v[k]
        return total

    v = np.arange(100.0)
    assert vector_sum(v, 7) == v.sum()


def test_prefetch_takes_one_integer_index_per_dimension():
    @njit(cache=False)
    def too_few(a):
        prefetch(a, 0)

    @njit(cache=False)
    def float_index(a):
        prefetch(a, (0.5, 0))

    @njit(cache=False)
    def not_an_array(x):
        prefetch(x, 0)

    with pytest.raises(TypingError):
        too_few(np.zeros((2, 2)))
    with pytest.raises(TypingError):
        float_index(np.zeros((2, 2)))
    with pytest.raises(TypingError):
        not_an_array(1.0)
