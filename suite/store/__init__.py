"""Everything written to disk about trials: the record schema (``records``), the trial store
(``trial_store``), whole-or-nothing file changes (``files``), what is removed: dead processes'
litter and `suite clean`'s directory (``cleanup``), provenance, the run lock (``lock``), and kept models
(``artifacts``).

Layer: may import ``suite.training`` (outcome classes), ``suite.design``, ``suite.data`` and the
base modules; never analysis, execution or anything above.
"""
