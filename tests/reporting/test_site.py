"""``suite site``: every page renders in headless Chromium, no image or link is missing."""
import functools
import http.server
import json
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
    (study / "README.md").write_text("# Study `toy`\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\n![fig](fig.png)\n\n"
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
    assert '<a href="fig.svg">SVG</a>' in page and '<table>' in page and 'href="notes.html"' in page
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
    assert (tmp_path / "site" / "index.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
