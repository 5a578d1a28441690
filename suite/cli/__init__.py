"""The ``suite`` command: argument parsing (``main``, ``arguments``) and the subcommands
(``commands``), a thin layer over the Python API below it. The only place that parses arguments
or chooses the exit code.

Layer: the top; may import every other subpackage.
"""
