"""The specs a study holds besides its rules: published numbers, other profiles it cites,
figures and paper-layout tables. Data only; ``suite.design.study`` checks them."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Reference:
    """Published numbers, keyed by the tuple of a point's axis values (the bare value for one axis).
    ``digits``: the decimals the source prints them with, in the table's unit (percent for an
    accuracy), so a page shows each number to the source's precision (None: the default format)."""
    citation: str
    metric: str
    values: dict
    digits: int | None = None


@dataclass(frozen=True)
class Related:
    """Another profile of the same study that answers a question this one cannot (a bigger budget):
    its pages report that profile's verdict on ``claim`` beside their own, with a link and that
    profile's evidence (its rules' numbers; no sentence is written in advance for a verdict:
    issue 30). ``setting`` says what differs."""
    profile: str
    claim: str
    setting: str


@dataclass(frozen=True)
class Figure:
    """A study-specific plot of the finished trials matching ``where`` (axes or varying config keys).

    ``curves``: per-epoch ``metric`` against ``x`` (epoch or step), one line per ``hue``;
    ``metric_vs``: mean and 95% CI of ``metric`` against ``x``, one line per ``hue``;
    ``ratio_vs``: like ``metric_vs`` for each seed's ratio to its own trial at x = ``baseline``;
    ``layers``: a per-layer probe statistic (``suite.training.probes.STATS``) against ``x`` (epoch or
    layer), one line per ``hue`` (e.g. layer, or an axis), ``where`` may also pick probe epochs.
    ``heatmap``: the mean of ``metric`` over ``x`` (across) and ``y`` (down), one panel per ``hue``,
    each column's best cell outlined (``suite.reporting.heatmaps``).
    ``as_error`` plots 1 - metric (an accuracy shown as an error rate); ``guide`` = (y, label)
    draws a horizontal reference such as chance.
    """
    name: str
    kind: str
    metric: str
    x: str
    hue: str = ""
    where: dict = field(default_factory=dict)
    baseline: object = None
    as_error: bool = False
    guide: tuple = ()
    title: str = ""
    log_y: bool = False
    y: str = ""  # heatmap: the axis down the side (x across, one panel per hue)


@dataclass(frozen=True)
class Table:
    """A README table in a paper's layout: ``metric`` for the points matching ``where``, one row
    per value of axis ``rows`` and one column per value of axis ``columns`` (in the study's
    order); each cell "ours mean ± std (published)", "diverged" when every seed diverged.
    ``as_error`` shows 1 - metric (an accuracy as an error rate)."""
    name: str
    metric: str
    rows: str
    columns: str
    where: dict = field(default_factory=dict)
    as_error: bool = False
    caption: str = ""


@dataclass(frozen=True)
class Check:
    """A check of the implementation: a result that holds by arithmetic or by a theorem whatever the
    data (zero weights give zero hidden gradients; Novikoff's mistake bound), so it is no verdict and
    no clause of the claim (a verdict must be able to fail). Every trial matching ``where`` (partial
    points, as a rule's ``a``; every status, diverged and collapsed runs too) must have measured
    ``metric`` inside ``bounds`` = (low, high), None for an open end, both inclusive: one seed
    outside, or one that did not measure it, fails the check, loudly (``suite.analysis.checks``).
    ``why``: the arithmetic or the theorem; ``profiles``: the profiles whose setting it describes
    (empty: all), for arithmetic that depends on a width or a depth."""
    says: str
    where: dict
    metric: str
    bounds: tuple
    why: str = ""
    profiles: tuple = ()
