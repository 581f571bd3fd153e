"""Kernels that Python calls are compiled without numba's reference counting
(:func:`sim.model.kernel_cache.kernel`): each count is an atomic instruction, and the approval
kernels' inlined helpers take some sixty arrays, so counting cost three quarters of an event.

The tests show the mechanism on a small kernel (the counts are in the code numba generates with
``njit`` and absent with ``kernel``), check the contract (a kernel that allocates an array does not
compile, so nothing can free memory it still uses) and pin which model kernels go without."""

from __future__ import annotations

from collections import namedtuple

import numpy as np
import pytest
from numba.core.errors import TypingError

from sim.model import approval_kernels, credit, firm_accounts, population
from sim.model.kernel_cache import kernel, njit

State = namedtuple("State", ["level", "count", "spare"])


@njit(inline="always")
def _add(state, i, x):
    """An inlined helper that takes the whole tuple, as the approval kernels' helpers do."""
    if x > state.level[i]:
        state.level[i] = x
        state.count[i] += 1


def _track(state, xs):
    for j in range(xs.size):
        if xs[j] >= 0.0:  # the branch keeps numba from pruning the counts around the helper
            _add(state, j % state.level.size, xs[j])


def _state(n=8):
    return State(np.zeros(n), np.zeros(n, dtype=np.int64), np.zeros(n))


def _increfs(dispatcher, *args) -> int:
    dispatcher(*args)
    return sum(ir.count("call void @NRT_incref") for ir in dispatcher.inspect_llvm().values())


def test_a_kernel_counts_no_references_where_njit_does():
    xs = np.random.default_rng(0).uniform(-1.0, 1.0, 200)
    counted = njit(_track)
    uncounted = kernel(_track, cache=False)
    assert _increfs(counted, _state(), xs) > 0
    assert _increfs(uncounted, _state(), xs) == 0


def test_a_kernel_computes_what_njit_computes():
    xs = np.random.default_rng(1).uniform(-1.0, 1.0, 500)
    a, b = _state(), _state()
    njit(_track)(a, xs)
    kernel(_track, cache=False)(b, xs)
    for x, y in zip(a, b):
        np.testing.assert_array_equal(x, y)


def test_a_kernel_that_allocates_does_not_compile():
    @kernel(cache=False)
    def total(n):
        a = np.zeros(n)
        return a.sum()

    with pytest.raises(TypingError):
        total(3)


def test_a_kernel_cannot_return_a_view():
    @kernel(cache=False)
    def tail(a):
        return a[1:]

    with pytest.raises(TypingError):
        tail(np.zeros(3))


@pytest.mark.parametrize(
    "dispatcher",
    [
        approval_kernels.advance,
        approval_kernels.open_cases,
        approval_kernels._node_done_apart,
        firm_accounts._book_month,
        credit._in_order,
        population._fill_blocks,
    ],
    ids=lambda d: d.__name__,
)
def test_the_model_kernels_python_calls_count_no_references(dispatcher):
    assert dispatcher.targetoptions.get("_nrt") is False
