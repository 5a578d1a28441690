"""Pure DataFrame work on stored records: trial and history frames, intervals and summaries
(``frames``), accuracy-estimation protocols (``estimation``) and the verdict rules
(``verdicts``). Reads records handed to it, writes nothing.

Layer: may import ``suite.store``, ``suite.training`` (outcome classes), ``suite.design``,
``suite.data`` and the base modules; never execution, search, reporting or the CLI.
"""
