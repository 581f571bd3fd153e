"""Named random streams for common random numbers (CRN).

Every draw is taken from a stream keyed by ``(seed, stream, key)``: the month for per-month
draws over all enterprises (indexed by each enterprise's fixed random key) and for the month's
new projects (drawn in a fixed order: by sector, then key).  A policy that changes which firms exist or where they go
therefore never
shifts the draws of unrelated firms or months, and two scenarios run with the same seed see the
same arrivals, shocks and service times.  Stream ids are fixed integers, never hashes of
strings, so results do not depend on Python's hash seed.
"""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Stream(IntEnum):
    """Independent random streams of the model."""

    POPULATION = 1  # initial firm population
    ARRIVALS = 2  # project arrivals per month
    PROJECT = 3  # the month's projects' attributes and location-choice draws
    APPROVAL = 4  # the month's projects' preparation, effort and rework draws
    PRODUCTIVITY = 5  # monthly productivity shocks per firm key
    EXIT = 6  # monthly exit draws per firm key
    SYNTHETIC = 7  # synthetic region generator
    PIPELINE = 8  # projects in the pipeline at the start, and their start of production
    NATIONAL = 9  # national region generator
    EXPANSION = 10  # the month's expansion plants' approval draws
    DISPOSAL = 11  # the disposal campaign's path per listed firm key
    GOVERNMENT = 12  # the month's government-investment projects and their approval draws
    OWNERSHIP = 13  # one uniform per firm key: whether a firm founded after the private-firm law is state-owned


def stream(seed: int, kind: Stream, *key: int) -> np.random.Generator:
    """A generator for stream ``kind`` and the integer ``key`` path (month, project, ...); a negative
    key (a month of the spin-up, before the start) has its own non-negative code.

    It is ``np.random.default_rng([seed, kind, *codes])``, its seed given as the 32-bit words numpy
    would make of that list (:func:`_words`): the same generator, without numpy's coercion of a
    list of Python ints, which was most of the cost of the seven streams a month takes."""
    words = _words(int(seed)) + _words(int(kind))
    for k in key:
        words += _words(_code(k))
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(np.array(words, dtype=np.uint32))))


def _code(k) -> int:
    k = int(k)
    return k if k >= 0 else _NEGATIVE + (-k)


def _words(n: int) -> list[int]:
    """The 32-bit words of a non-negative integer, least significant first (``[0]`` for 0): how
    numpy's ``SeedSequence`` reads each int of a list of seeds."""
    if n < 0:
        raise ValueError(f"a seed must be non-negative, not {n}")
    if n < _WORD:
        return [n]
    out = []
    while n > 0:
        out.append(n & (_WORD - 1))
        n >>= 32
    return out


_WORD = 1 << 32


_NEGATIVE = 1 << 62  # keys -1, -2, ... are drawn as 2**62 + 1, 2**62 + 2, ...: no month or project key reaches it
