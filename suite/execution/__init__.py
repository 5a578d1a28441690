"""Running a plan: one trial or one population stored as one record (``trials``), the plan
through keras-tuner's oracle (``runner``, ``tuning``), several local workers (``parallel``) and
several machines (``cluster``, ``addresses``).

Layer: may import ``suite.analysis`` and everything below it; never search, reporting or the CLI.
"""
