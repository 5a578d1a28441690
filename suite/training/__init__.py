"""Training one trial or one population and returning its outcome as values: model builders
(``models``), optimizers and schedules (``optim``), losses, the fit loop (``train``), vmapped
populations (``population``), callbacks, probes, the epoch scan, task types (``tasks``), outcome
classes (``outcomes``), MC-dropout evaluation (``uncertainty``), and the checks that need these
registries (``checks``). Nothing here writes a file.

Layer: may import ``suite.design``, ``suite.data`` and the base modules; never the store,
analysis, execution or anything above.
"""
