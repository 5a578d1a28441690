"""A profile's seed plan as data: its looks (seed counts per point) and its first seed value.

``"seeds": 5`` is one look of 5 seeds per point; ``"seeds": (5, 10, 20)`` are the looks of a
sequential design (``suite.execution.sequential``). ``"first_seed": N`` (default 0) starts the
plan's seeds at N: its seeds are N, N + 1, ..., N + max - 1, and a look of k seeds means the plan's
first k of them (N .. N + k - 1). A replication of a pilot whose rules stayed open is a new plan on
seeds the pilot never used (first_seed past the pilot's last seed), declared before its data and
never pooled with the pilot's trials. Code that compares a seed with a look's count compares its
rank (``rank``: seed - first_seed), never the seed value itself.
"""
from __future__ import annotations

from suite.design import config as config_schema
from suite.errors import UserError


def looks(where: str, spec) -> tuple:
    """A profile's ``seeds``: ``n`` (one look of n seeds per point) or ascending counts
    ``(first, ..., maximum)``, the looks of a sequential design (``suite.analysis.verdicts``):
    the first look runs every point, a later one adds seeds only where a rule is still open.
    ``where`` names the profile in the message. Raises UserError for anything else."""
    counts = (spec,) if isinstance(spec, int) and not isinstance(spec, bool) else tuple(spec) \
        if isinstance(spec, (tuple, list)) else ()
    if not counts or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in counts) \
            or list(counts) != sorted(set(counts)):
        raise UserError(f"{where}: seeds must be a count or ascending counts "
                        f"(the looks of a sequential design, e.g. (5, 10, 20)), got {spec!r}")
    return counts


def first_seed(where: str, value) -> int:
    """A profile's ``first_seed``: a whole number from 0 to ``SEEDS_MAX`` (the plan's seeds are
    value, value + 1, ...). ``where`` names the profile in the message. Raises UserError otherwise."""
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= config_schema.SEEDS_MAX:
        raise UserError(f"{where}: first_seed must be a whole number from 0 to {config_schema.SEEDS_MAX} (the "
                        f"plan's seeds are first_seed, first_seed + 1, ...; a replication starts past the pilot's "
                        f"last seed, e.g. first_seed = 100), got {value!r}")
    return value


def rank(seed, first: int):
    """The seed's place in its plan (0 for the plan's first seed): what a look's count is compared
    with. ``seed``: an int, or a pandas Series of them."""
    return seed - first


def span(low: int, high: int) -> str:
    """'100-115', or '100' when ``low == high``: a run of seed values."""
    return f"{low}" if low == high else f"{low}-{high}"


def values_text(first: int, count: int) -> str:
    """'seeds 100-115' (the values of a plan's ``count`` seeds from ``first``), 'seed 100' for one."""
    return f"seed{'' if count == 1 else 's'} {span(first, first + count - 1)}"
