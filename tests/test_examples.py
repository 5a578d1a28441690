"""The notebook example (examples/quickstart.py, jupytext percent format) runs top to bottom in a
Jupyter kernel (nbclient), so it never rots."""
from pathlib import Path

import jupytext
import pytest
from nbclient import NotebookClient

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "quickstart.py"


def test_the_quickstart_notebook_runs(tmp_path):
    notebook = jupytext.read(EXAMPLE)
    try:
        NotebookClient(notebook, timeout=600, kernel_name="python3",
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    except Exception as exc:  # nbclient's CellExecutionError carries the cell's traceback
        pytest.fail(f"the notebook failed: {exc}"[:4000])
    outputs = [output for cell in notebook.cells if cell.cell_type == "code" for output in cell.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "\n".join(str(o.get("text", "")) + str(o.get("data", {}).get("text/plain", "")) for o in outputs)
    assert "notebook_width" in text and "test_accuracy" in text
    assert any("image/png" in o.get("data", {}) for o in outputs)  # the figure is shown
    assert (tmp_path / "scratch" / "results" / "notebook_width" / "smoke" / "README.md").is_file()
