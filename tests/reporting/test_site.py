"""``suite site``: every page renders in headless Chromium, no image or link is missing."""
import functools
import http.server
import json
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

from suite.reporting import browser
from suite.reporting import site
from suite.cli.main import main

RESULTS = Path(__file__).resolve().parents[2] / "results"
CHROMIUM = browser.find()


class Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.targets = []

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and value:
                self.targets.append((tag, value))


def broken_links(site_dir: Path) -> list[str]:
    """Every relative href/src of every page that names no file of the site."""
    broken = []
    for page in site_dir.rglob("*.html"):
        parser = Links()
        parser.feed(page.read_text())
        for tag, target in parser.targets:
            url = urlparse(target)
            if url.scheme or url.netloc or not url.path:
                continue
            if not (page.parent / unquote(url.path)).resolve().is_file():
                broken.append(f"{page.relative_to(site_dir)}: <{tag}> {target}")
    return broken


def fake_results(root: Path) -> None:
    """A study page whose verdict carries fields the site has never heard of, a search, a benchmark."""
    study = root / "toy"
    study.mkdir(parents=True)
    (study / "verdict.json").write_text(json.dumps({
        "claim": "toys are fun", "verdict": "collapsed",
        "claims": [{"claim": "toys are fun", "verdict": "supported", "p_holm": 0.012, "evidence": [
            {"rule": "fun", "verdict": "supported", "p_value": 0.006, "tost_bounds": [-1, 1]}]}]}))
    (study / "README.md").write_text("# Study `toy`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![fig](fig.png)\n[SVG](fig.svg)\n\n"
                                     "[trials](trials.csv) and [notes](notes.md)\n")
    for name in ("fig.png", "fig.svg", "trials.csv"):
        (study / name).write_bytes(b"x")
    (study / "notes.md").write_text("# Notes\n\nback to [the study](README.md)\n")
    search = root / "toy" / "search-random"
    search.mkdir()
    (search / "README.md").write_text("# Search `toy` (random)\n")
    bench = root / "benchmarks"
    bench.mkdir()
    (bench / "README.md").write_text("# Speed\n\n![missing](nowhere.png)\n")


def test_site_reads_any_verdict_fields_and_finds_missing_images(tmp_path):
    fake_results(tmp_path / "results")
    site.build(tmp_path / "results", tmp_path / "site", {})
    index = (tmp_path / "site" / "index.html").read_text()
    assert "collapsed" in index and "p holm 0.012" in index and "toy/index.html" in index
    assert "toy/search-random/index.html" in index and "benchmarks/index.html" in index
    page = (tmp_path / "site" / "toy" / "index.html").read_text()
    assert "tost_bounds" in page and "0.006" in page  # evidence columns follow the data
    # the report's own "[SVG](fig.svg)" line and the site's format links: one SVG link, not two
    assert page.count('<a href="fig.svg">SVG</a>') == 1 and '<table>' in page and 'href="notes.html"' in page
    assert broken_links(tmp_path / "site") == ["benchmarks/index.html: <img> nowhere.png"]


def test_site_command_builds_every_committed_study(tmp_path, capsys):
    code = main(["site", "--results-dir", str(RESULTS), "--out", str(tmp_path / "site")])
    assert code == 0, capsys.readouterr().err
    studies = [path.parent.name for path in RESULTS.glob("*/verdict.json")]
    assert studies and all((tmp_path / "site" / name / "index.html").exists() for name in studies)
    assert broken_links(tmp_path / "site") == []


def test_site_without_results_is_one_line(tmp_path, capsys):
    code = main(["site", "--results-dir", str(tmp_path / "none")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1 and "does not exist" in err[0]


def test_index_lists_studies_with_results_first_and_loads_the_table_script(tmp_path):
    fake_results(tmp_path / "results")
    registry = {"early": None, "toy": None, "later": None}
    (tmp_path / "results" / "later" / "search-grid").mkdir(parents=True)
    (tmp_path / "results" / "later" / "search-grid" / "README.md").write_text("# Search `later`\n")
    site.build(tmp_path / "results", tmp_path / "site", registry)
    index = (tmp_path / "site" / "index.html").read_text()
    names = re.findall(r'<tr>\s*<td>(?:<a href="[^"]*">)?(\w+)', index)
    assert names == ["toy", "later", "early"]  # a verdict, a search only, nothing yet
    assert '<script src="tables.js" defer></script>' in index and 'data-filter="search claims and verdicts"' in index
    assert (tmp_path / "site" / "tables.js").read_text() == (Path(site.__file__).parent / "templates" / "tables.js").read_text()
    assert '<script src="../tables.js" defer></script>' in (tmp_path / "site" / "toy" / "index.html").read_text()


def test_long_evidence_is_folded_below_a_compact_table(tmp_path):
    fake_results(tmp_path / "results")
    verdict = json.loads((tmp_path / "results" / "toy" / "verdict.json").read_text())
    verdict["claims"][0]["evidence"][0].update({f"field_{k}": k for k in range(15)}, detail="p = 0.006")
    (tmp_path / "results" / "toy" / "verdict.json").write_text(json.dumps(verdict))
    site.build(tmp_path / "results", tmp_path / "site", {})
    page = (tmp_path / "site" / "toy" / "index.html").read_text()
    compact, folded = page.split("<details", 1)
    assert "<th>rule</th><th>verdict</th><th>detail</th></tr>" in compact and "field_3" not in compact
    assert "every field of this rule (20 columns)" in folded and "<th>field_14</th>" in folded


class _Recorder(http.server.SimpleHTTPRequestHandler):
    def log_request(self, code="-", size="-"):  # the status of each request is what the test reads
        self.server.requests.append((self.path, str(getattr(code, "value", code))))

    def log_message(self, format, *args):
        pass


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; .ci/run does)")
def test_every_page_loads_in_chromium(tmp_path):
    """Chromium opens every page over HTTP; the server sees every image and stylesheet it asks for
    and must answer each with 200. The index screenshot is left for a person to look at."""
    out = tmp_path / "site"
    site.build(RESULTS, out, {})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Recorder, directory=str(out)))
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        pages = sorted(path.relative_to(out).as_posix() for path in out.rglob("*.html"))
        for page in pages:
            dom = browser.dump_dom(f"http://127.0.0.1:{server.server_port}/{page}")
            assert "</footer>" in dom, f"{page} did not render"
        browser.screenshot(f"http://127.0.0.1:{server.server_port}/index.html", out / "index.png")
    finally:
        server.shutdown()
    failed = [(path, status) for path, status in server.requests if status != "200"]
    assert not failed, failed
    images = {path for path, _ in server.requests if path.endswith(".png")}
    assert len(images) >= len(list(RESULTS.glob("*/*.png")))  # every figure was fetched by the browser
    assert (out / "index.png").stat().st_size > 10_000


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; .ci/run does)")
def test_site_command_screenshot(tmp_path, capsys):
    assert main(["site", "--results-dir", str(RESULTS), "--out", str(tmp_path / "site"), "--screenshot"]) == 0
    assert (tmp_path / "site" / "screenshot.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# Runs after the site's own deferred tables.js, as a reader would act on the page: clicks the
# headers named in ?click= (comma-separated, in order) of the table ?table= (a CSS selector), then
# types ?q= into the search box above it. --dump-dom then shows the rows' order and which are hidden.
DRIVE = """(function () {
  var params = new URLSearchParams(location.search);
  var table = document.querySelector(params.get("table") || "main table");
  (params.get("click") || "").split(",").filter(Boolean).forEach(function (name) {
    Array.prototype.find.call(table.tHead.rows[0].cells, function (th) {
      return th.textContent.trim() === name; }).querySelector("button.sort").click();
  });
  if (params.has("q")) {
    var box = table.previousElementSibling.previousElementSibling;  // the box, then its row count
    box.focus();
    box.value = params.get("q");
    box.dispatchEvent(new Event("input", {bubbles: true}));
  }
})();
"""


class Rows(HTMLParser):
    """The first table of class ``table_class`` (None: the first table) as Chromium left it: its
    body rows in DOM order, each (cell texts, hidden), and ``sorted``: {aria-sort: header text}."""

    def __init__(self, dom: str, table_class: str | None = None):
        super().__init__(convert_charrefs=True)
        self.table_class, self.rows, self.sorted, self._state, self._header = table_class, [], {}, "", None
        self.feed(dom)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "table" and not self._state and (self.table_class is None
                                                   or self.table_class in (attrs.get("class") or "").split()):
            self._state = "head"
        elif self._state == "head" and tag == "th" and "aria-sort" in attrs:
            self._header = attrs["aria-sort"]
        elif self._state == "head" and tag == "tbody":
            self._state = "body"
        elif self._state == "body" and tag == "tr":
            self.rows.append(([], "hidden" in attrs))
        elif self._state == "body" and tag == "td":
            self.rows[-1][0].append("")

    def handle_endtag(self, tag):
        if tag == "table" and self._state in ("head", "body"):
            self._state = "done"
        elif tag == "th":
            self._header = None

    def handle_data(self, data):
        if self._state == "body" and self.rows and self.rows[-1][0]:
            cells = self.rows[-1][0]
            cells[-1] = " ".join((cells[-1] + " " + data).split())
        elif self._header and data.strip():
            self.sorted[self._header] = data.strip()

    def column(self, index: int) -> list[str]:
        return [cells[index] for cells, _ in self.rows]

    def shown(self, index: int = 0) -> list[str]:
        return [cells[index] for cells, hidden in self.rows if not hidden]


def serve(directory: Path):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Recorder, directory=str(directory)))
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def driven(site_dir: Path, page: str) -> Path:
    """A copy of ``page`` that also loads the driving script (after tables.js)."""
    (site_dir / "drive.js").write_text(DRIVE)
    copy = site_dir / page.replace(".html", "-driven.html")
    copy.write_text((site_dir / page).read_text().replace("</body>", '<script src="drive.js" defer></script>\n</body>'))
    return copy


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium; .ci/run does)")
def test_chromium_sorts_and_searches_the_tables(tmp_path):
    """Clicks a column header of the index and reads the DOM order; types in the search box and
    reads which rows stay visible; sorts a study page's numeric column by value, not by text."""
    out = tmp_path / "site"
    site.build(RESULTS, out, {})
    fake_results(tmp_path / "results")
    (tmp_path / "results" / "toy" / "README.md").write_text(
        "# Study `toy`\n\n| width | accuracy (%) |\n|---|---|\n| 10 | 91.2 ± 0.3 |\n| 9 | 88.0 ± 1.1 |\n"
        "| 100 | 97.5 ± 0.1 |\n| n/a | — |\n| 1x100 | 50 |\n| 2 | 80 |\n")
    site.build(tmp_path / "results", out / "toy-site", {})
    driven(out, "index.html")
    driven(out / "toy-site", "toy/index.html")
    (out / "toy-site" / "toy" / "drive.js").write_text(DRIVE)
    server = serve(out)
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        plain = Rows(browser.dump_dom(f"{base}/index.html"), "studies")
        descending = Rows(browser.dump_dom(
            f"{base}/index-driven.html?table=table.studies&click=study,study&q=relu"), "studies")
        ascending = Rows(browser.dump_dom(
            f"{base}/index-driven.html?table=table.studies&click=verdict&q=no+such+words+anywhere"), "studies")
        numeric = Rows(browser.dump_dom(f"{base}/toy-site/toy/index-driven.html?click=width,width,width"))
    finally:
        server.shutdown()
    names = plain.column(0)
    assert len(names) >= 10 and plain.shown() == names and not plain.sorted
    assert descending.column(0) == sorted(names, key=str.casefold, reverse=True)
    assert descending.sorted == {"descending": "study"}
    assert descending.shown() == [cells[0] for cells, _ in descending.rows if "relu" in " ".join(cells).lower()]
    assert 0 < len(descending.shown()) < len(names)
    assert ascending.sorted == {"ascending": "verdict"} and ascending.shown() == []
    assert ascending.column(2) == sorted(plain.column(2)) != plain.column(2)
    assert sorted(ascending.column(0)) == sorted(names)
    assert numeric.column(0) == ["1x100", "2", "9", "10", "100", "n/a"]  # 3 clicks: ascending again, by value


@pytest.mark.parametrize("verdict, css", [("supported", "supported"), ("not_supported", "not_supported"),
                                          ("inconclusive", "inconclusive"), ("budget_limited", "budget_limited"),
                                          ("<script>", "other")])
def test_each_verdict_class_has_its_own_colour(verdict, css):
    from importlib.resources import files

    from suite.reporting import site

    assert site._css(verdict) == css
    style = (files("suite.reporting") / "templates" / "style.css").read_text()
    assert f".verdict.{css}" in style
