import io
import math

from suite.execution.trials import Progress


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_the_live_epoch_line_shows_no_number_for_an_epoch_without_a_dev_pass(monkeypatch):
    monkeypatch.delenv("SUITE_QUIET", raising=False)
    progress = Progress("[study]", total=1, stream=Terminal())
    progress.epoch("depth=1", 10, {"epoch": 1, "loss": 0.5, "accuracy": 0.9, "dev_accuracy": math.nan})
    first = progress.bars.tasks[progress.epochs_bar].description
    progress.epoch("depth=1", 10, {"epoch": 2, "loss": 0.4, "accuracy": 0.92, "dev_accuracy": 0.91})
    second = progress.bars.tasks[progress.epochs_bar]
    progress.close()
    assert "dev --" in first and "nan" not in first
    assert "dev 0.9100" in second.description and second.completed == 2 and second.total == 10
