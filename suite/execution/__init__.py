"""Running a plan: one trial or one population trained into records (``trials``), the plan
through keras-tuner's oracle (``runner``, ``tuning``, ``dispatch``), as tasks on a Dask cluster of
local worker processes or several machines (``dask_cluster``, ``tasks``).

Layer: may import ``suite.analysis`` and everything below it; never search, reporting or the CLI.
"""
