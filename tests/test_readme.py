"""The README's Studies table: a row per registered study, and its verdict column as the
committed pages say (a regenerated page whose verdicts moved fails here until the row follows)."""
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LETTER = {"supported": "S", "not_supported": "N", "inconclusive": "I", "budget_limited": "B"}


def studies_table() -> dict[str, str]:
    """Study name -> its verdict cell, from the table under '## Studies'."""
    lines = (ROOT / "README.md").read_text().split("## Studies", 1)[1].splitlines()
    rows = [line for line in lines[:80] if line.startswith("| `")]
    return {row.split("`")[1]: row.rstrip().rstrip("|").rsplit("|", 1)[1].strip() for row in rows}


def test_every_study_has_a_row_whose_verdicts_are_its_pages():
    table = studies_table()
    assert set(table) == {path.stem for path in (ROOT / "studies").glob("[!_]*.py")}  # the built-in studies
    for name, cell in table.items():
        page = ROOT / "results" / name / "verdict.json"
        if not page.exists():
            assert cell == "(a search: no verdict)", name
            continue
        claims = json.loads(page.read_text())["claims"]
        assert cell == " ".join(LETTER[claim["verdict"]] for claim in claims), name
