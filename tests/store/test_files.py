"""``suite.store.files.replaced_whole``: a directory swapped in whole, also over one of the same shape."""
import pytest

from suite.errors import UserError
from suite.store.files import replaced_whole


def write(staging, pages):
    for name, text in pages.items():
        (staging / name).parent.mkdir(parents=True, exist_ok=True)
        (staging / name).write_text(text)


def test_a_directory_written_again_replaces_the_old_one(tmp_path):
    out = tmp_path / "site"
    for version in ("old", "new"):  # the second build writes the same page directories
        with replaced_whole(out, keep=("*",)) as staging:
            write(staging, {"index.html": version, "depth/index.html": version})
    assert (out / "depth" / "index.html").read_text() == "new" and (out / "index.html").read_text() == "new"


def test_a_directory_where_a_file_goes_is_refused(tmp_path):
    out = tmp_path / "report"
    (out / "table.csv").mkdir(parents=True)
    with pytest.raises(UserError, match="is a directory where the report writes a file"):
        with replaced_whole(out) as staging:
            write(staging, {"table.csv": "a\n"})
    assert (out / "table.csv").is_dir()


def test_an_error_gives_back_the_old_entries_only(tmp_path):
    out = tmp_path / "site"
    with replaced_whole(out, keep=("*",)) as staging:
        write(staging, {"index.html": "old", "screenshot.png": "png", "old/index.html": "old"})
    with pytest.raises(RuntimeError):
        with replaced_whole(out, keep=("*",)) as staging:
            write(staging, {"index.html": "new", "tables.js": "new", "new/index.html": "new"})
            raise RuntimeError("a page failed")
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("*")) == [
        "index.html", "old", "old/index.html", "screenshot.png"]
    assert (out / "index.html").read_text() == "old"
