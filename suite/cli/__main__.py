"""``python -m suite.cli``: how extra workers start (``suite.execution.parallel``)."""
from suite.cli.main import console

console()
