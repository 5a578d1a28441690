"""Hostile inputs (issue 29) against the reports: kinds 2 (script in the site), 4 (meaningless
results with exit 0) and the reading part of 5 (damaged records, pages and study files).

Every case goes through ``suite.cli.main.main`` in-process, inside the ``arena`` of
``tests/hostile.py``: a refusal is one line, exit 2, no traceback; a text that is legitimately
handled (an escaped claim) exits 0; and nothing beside runs/, results/ and out/ is created,
changed or deleted. One plug-in study is trained once for the module (6 one-epoch trials on the
synthetic digits); each case copies its store and damages or rewrites what it needs.
"""
import html
import json
import os
import re
import shutil
import subprocess
import threading
from contextlib import contextmanager
from html.parser import HTMLParser
from pathlib import Path

import pytest

from hostile import arena, refused  # noqa: F401 (arena is a fixture)
from suite.cli.main import main
from suite.reporting import browser

CHROMIUM = browser.find()
needs_chromium = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
PWN = "document.body.dataset.pwned=1"  # what a script that ran leaves on the page (no dialog to block Chromium)

BASE = {  # field -> Python source of the plug-in study's value
    "name": "'hostile'",
    "claim": "'eight units beat four'",
    "source": "'a hostile-input test'",
    "base": "{'model': 'mlp', 'depth': 1, 'activation': 'relu', 'learning_rate': 0.1}",
    "axes": "{'width': [4, 8]}",
    "profiles": "{'smoke': {'dataset': 'synthetic', 'epochs': 1, 'batch_size': 100, 'seeds': 3}}",
    "rules": "(Rule('better', a={'width': 8}, b={'width': 4}, metric='test_accuracy', margin=0.01, says='8 beat 4'),)",
}
REPORT = ["report", "./plug.py", "--profile", "smoke", "--figure-format", "png"]
SITE = ["site", "--out", "out/site"]


def write_plugin(path: Path, **fields: str) -> Path:
    """A plug-in study file: ``BASE`` with ``fields`` (Python source) replaced or added."""
    body = ",\n    ".join(f"{key}={value}" for key, value in {**BASE, **fields}.items())
    path.write_text(f"from suite import Figure, Rule, Study, Table\n\nSTUDY = Study(\n    {body},\n)\n")
    return path


@pytest.fixture(scope="module")
def trained(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("trained")
    code = main(["run", str(write_plugin(root / "plug.py")), "--profile", "smoke", "--runs-dir", str(root / "runs"),
                 "--results-dir", str(root / "results"), "--figure-format", "png"])
    assert code == 0
    return root


def stage(arena, trained: Path, results: bool = False, **fields: str) -> Path:
    """The trained store (and results) copied into the arena, and ./plug.py with ``fields``."""
    shutil.copytree(trained / "runs", arena.work / "runs")
    if results:
        shutil.copytree(trained / "results", arena.work / "results")
    return write_plugin(arena.work / "plug.py", **fields)


def records(arena) -> list[Path]:
    return sorted((arena.work / "runs" / "hostile" / "smoke" / "trials").glob("*.json"))


@contextmanager
def unblocked(root: Path, seconds: float = 30):
    """A reader that blocks on a FIFO under ``root`` fails the test instead of hanging it: after
    ``seconds`` (and every second after) every FIFO there gets a writer that closes at once (the
    reader sees an empty file).
    (Not SIGALRM: the suite's own interrupt handling takes that signal over.)"""
    done = threading.Event()

    def release():
        wait = seconds
        while not done.wait(wait):  # again and again: a reader may open it twice
            for path in root.rglob("*"):
                if path.is_fifo():
                    try:
                        os.close(os.open(path, os.O_WRONLY | os.O_NONBLOCK))
                    except OSError:  # no reader waiting on it
                        pass
            wait = 1

    watchdog = threading.Thread(target=release, daemon=True)
    watchdog.start()
    try:
        yield
    finally:
        done.set()
        watchdog.join()


# --- the DOM -------------------------------------------------------------------------------------------

class Dom(HTMLParser):
    """Elements, attributes and visible text of a page (Chromium's DOM dump, or a written page)."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags, self.attributes, self.text, self._hidden = [], [], [], 0
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        self.tags.append(tag)
        self.attributes += [(tag, name, value or "") for name, value in attrs]
        self._hidden += tag in ("title", "head")

    def handle_endtag(self, tag):
        self._hidden -= tag in ("title", "head") and self._hidden > 0

    def handle_data(self, data):
        self.text.append(data)

    @property
    def visible(self) -> str:
        return " ".join(" ".join(self.text).split())


UNSAFE_URL = re.compile(r"^\s*(javascript|data|vbscript|file)\s*:", re.I)


def assert_inert(page_text: str, shown: str = "") -> Dom:
    """No element, handler or script URL came from a text, and ``shown`` is visible as text."""
    dom = Dom(page_text)
    assert "footer" in dom.tags, page_text[-2000:]  # the whole page rendered
    for tag in ("script", "iframe", "style", "svg", "object", "embed", "form", "input", "base", "meta-refresh"):
        assert tag not in dom.tags or tag in ("script", "input"), (tag, page_text[-3000:])
    # the site's own: one script, tables.js from the site's root, and the search boxes it inserts
    scripts = [a[1:] for a in dom.attributes if a[0] == "script"]
    assert dom.tags.count("script") == 1 and scripts[1:] == [("defer", "")] \
        and scripts[0][0] == "src" and re.fullmatch(r"(\.\./)*tables\.js", scripts[0][1]), scripts
    labels = {"filter rows", "search claims and verdicts"}
    assert {a[1:] for a in dom.attributes if a[0] == "input"} <= {
        ("type", "search"), ("class", "table-filter"), *(("placeholder", l) for l in labels),
        *(("aria-label", l) for l in labels)}, dom.attributes
    assert not [a for a in dom.attributes if a[1].startswith("on")], dom.attributes
    urls = [(a[1], re.sub(r"[\t\n\r]", "", html.unescape(a[2]))) for a in dom.attributes  # browsers drop those
            if a[1] in ("href", "src", "action", "srcdoc", "formaction") and a != ("link", "href", "data:,")]
    assert not [url for url in urls if UNSAFE_URL.match(url[1]) or url[0] == "srcdoc"], urls
    assert not [a for a in dom.attributes if a[0] == "body" and "pwned" in a[1]]
    if shown:
        assert " ".join(shown.split()) in dom.visible, dom.visible[:3000]
    return dom


def in_chromium(page: Path) -> str:
    """The page's DOM after Chromium ran it; a script's dialog would block it: a failure."""
    try:
        return browser.dump_dom(page.resolve().as_uri(), timeout=45)
    except subprocess.TimeoutExpired:
        pytest.fail(f"Chromium never finished loading {page}: a script from a text opened a dialog")


# --- kind 2: script in the site ----------------------------------------------------------------------

PLUGIN_HTML = [  # (field, Python source, text that must be visible on the study's page)
    ("claim", repr("<script>alert(1)</script> wins"), "<script>alert(1)</script> wins"),
    ("source", repr(f'<img src=x onerror="{PWN}"> Nielsen'), f'<img src=x onerror="{PWN}"> Nielsen'),
    ("rules", "(Rule('better', a={'width': 8}, b={'width': 4}, margin=0.01, "
              f"says={'</li><script>' + PWN + '</script>'!r}),)", f"</li><script>{PWN}</script>"),
    ("notes", repr(f"[click me](javascript:{PWN}) and <a href='javascript:{PWN}'>me</a>"), "click me"),
    ("rules", "(Rule('better', a={'width': 8}, b={'width': 4}, margin=0.01, says='8 beat 4', "
              f"claim={'<svg onload=' + PWN + '>eight</svg>'!r}),)", f"<svg onload={PWN}>eight</svg>"),
]


@needs_chromium
@pytest.mark.parametrize("field, source, shown", PLUGIN_HTML, ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(PLUGIN_HTML)])
def test_a_plugin_study_text_reaches_the_site_as_text(arena, capsys, trained, field, source, shown):
    stage(arena, trained, **{field: source})
    before = arena.snapshot()
    assert main(REPORT) == 0 and main(SITE) == 0, capsys.readouterr().err[-3000:]
    assert_inert(in_chromium(arena.work / "out" / "site" / "hostile" / "smoke" / "index.html"), shown)
    if field == "claim":
        assert_inert(in_chromium(arena.work / "out" / "site" / "index.html"), shown)
    assert arena.snapshot() == before


HOSTILE_README = {  # README.md of a results page -> text that must be visible
    "script-block": (f"<script>{PWN}</script>\n", f"<script>{PWN}</script>"),
    "inline-img": (f"before <img src=x onerror={PWN}> after\n", f"<img src=x onerror={PWN}>"),
    "md-link": (f"[docs](javascript:{PWN})\n", "docs"),
    "md-image": (f"![chart](javascript:{PWN})\n", ""),
    "raw-anchor": (f'<a href="javascript:{PWN}">here</a>\n', "here"),
    "data-url": ("[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)\n", "x"),
    "iframe": (f'<iframe srcdoc="<script>{PWN}</script>"></iframe>\n', "<iframe"),
    "style": ("<style>body { display: none }</style>\n", "<style>body { display: none }</style>"),
    "handler-div": (f'<div onmouseover="{PWN}">hover</div>\n', "hover"),
    "entities": ("&lt;script&gt;alert(1)&lt;/script&gt;\n", ""),
    "spaced-scheme": (f"[y]( java\tscript:{PWN})\n", ""),
    "title": (f"# <script>{PWN}</script> title\n\nbody\n", f"<script>{PWN}</script> title"),
}


def hostile_results(root: Path, readme: str, verdict: dict | None = None, name: str = "hostile") -> Path:
    page = root / "results" / name
    page.mkdir(parents=True)
    (page / "README.md").write_text(readme + "\n| a | b |\n|---|---|\n| 1 | [ok](trials.csv) |\n")
    (page / "trials.csv").write_text("a,b\n1,2\n")
    if verdict is not None:
        (page / "verdict.json").write_text(json.dumps(verdict))
    return page


@pytest.mark.parametrize("case", HOSTILE_README)
def test_markdown_of_a_results_page_renders_no_html(arena, capsys, case):
    readme, shown = HOSTILE_README[case]
    hostile_results(arena.work, readme)
    before = arena.snapshot()
    assert main(SITE + ["--results-dir", "results"]) == 0, capsys.readouterr().err
    page = (arena.work / "out" / "site" / "hostile" / "index.html").read_text()
    dom = assert_inert(page, shown)
    assert "table" in dom.tags and ("a", "href", "trials.csv") in dom.attributes  # tables and links still work
    assert_inert((arena.work / "out" / "site" / "index.html").read_text())
    assert arena.snapshot() == before


HOSTILE_VERDICTS = {
    "claim": {"claim": f"<script>{PWN}</script>", "verdict": "supported"},
    "claims-and-evidence": {"verdict": "supported", "claims": [
        {"claim": f"<img src=x onerror={PWN}>", "verdict": "supported", f"<b onclick={PWN}>": 1,
         "evidence": [{f"<i onclick={PWN}>": f"<script>{PWN}</script>", "verdict": "supported"}]}]},
    "verdict-word": {"verdict": f'"><img src=x onerror={PWN}>', "evidence": [{"verdict": "<script>x</script>"}]},
}


@pytest.mark.parametrize("case", HOSTILE_VERDICTS)
def test_verdict_fields_reach_the_site_escaped(arena, capsys, case):
    hostile_results(arena.work, "# Study `hostile`\n", HOSTILE_VERDICTS[case])
    before = arena.snapshot()
    assert main(SITE + ["--results-dir", "results"]) == 0, capsys.readouterr().err
    for page in ("index.html", "hostile/index.html"):
        assert_inert((arena.work / "out" / "site" / page).read_text(), "")
    assert arena.snapshot() == before


def test_a_hostile_directory_or_file_name_links_nowhere_else(arena, capsys):
    page = hostile_results(arena.work, "# hostile\n", name=f"javascript:{PWN}")
    (page / f"javascript:{PWN}.csv").write_text("a\n1\n")
    before = arena.snapshot()
    assert main(SITE + ["--results-dir", "results"]) == 0, capsys.readouterr().err
    for html_page in (arena.work / "out" / "site").rglob("*.html"):
        assert_inert(html_page.read_text())
    assert arena.snapshot() == before


@needs_chromium
def test_every_hostile_text_at_once_in_chromium(arena, capsys):
    """The crafted pages above, all on one page, as Chromium builds its DOM."""
    hostile_results(arena.work, "\n\n".join(readme for readme, _ in HOSTILE_README.values()),
                    HOSTILE_VERDICTS["claims-and-evidence"])
    assert main(SITE + ["--results-dir", "results"]) == 0, capsys.readouterr().err
    assert_inert(in_chromium(arena.work / "out" / "site" / "hostile" / "index.html"), f"<script>{PWN}</script>")


# --- kind 4: meaningless results -------------------------------------------------------------------

SEARCH = ["search", "mlp_search", "--profile", "smoke", "--tuner", "random", "--max-trials", "1", "--seeds", "1",
          "--set", "epochs=1", "--objective"]  # a small search, should the objective pass
MEANINGLESS = {  # case -> (extra argv or plug-in fields, regular expression of the one line)
    "objective-unlogged": ([*SEARCH, "nonexistent_dev:max"], r"nonexistent_dev.*best_dev_accuracy"),
    "objective-misspelled": ([*SEARCH, "min_dev_los:min"], r"min_dev_los.*did you mean 'min_dev_loss'"),
    "objective-not-logged-here": ([*SEARCH, "epochs_to_target_dev:min"], r"epochs_to_target_dev"),
    "objective-empty": ([*SEARCH, ""], r"objective ''"),
    "rule-metric-unlogged": ({"rules": "(Rule('better', a={'width': 8}, b={'width': 4}, metric='nonexistent_metric', "
                                       "says='8 beat 4'),)"}, r"'nonexistent_metric'.*test_accuracy"),
    "rule-metric-misspelled": ({"rules": "(Rule('better', a={'width': 8}, b={'width': 4}, metric='test_acuracy'),)"},
                               r"did you mean 'test_accuracy'"),
    "rule-metric-other-config": ({"rules": "(Rule('better', a={'width': 8}, b={'width': 4}, metric='test_nll'),)"},
                                 r"'test_nll'"),
    "table-metric-unlogged": ({"tables": "(Table('t', metric='no_such_metric', rows='width', columns='width'),)"},
                              r"'no_such_metric'"),
    "study-metric-unlogged": ({"metrics": "('test_accuracy', 'dev_score')"}, r"'dev_score'"),
    "figure-metric-unlogged": ({"figures": "(Figure('f', 'metric_vs', metric='speed', x='width'),)"}, r"'speed'"),
    "profile-empty": (["--profile", ""], r"profile ''"),
    "dataset-empty": (["--dataset", ""], r"dataset ''"),
    "set-dataset-empty": (["--set", "dataset="], r"dataset"),
    "runs-dir-empty": (["--runs-dir", ""], r"--runs-dir"),
    "results-dir-empty": (["--results-dir", ""], r"--results-dir"),
}


@pytest.mark.parametrize("case", MEANINGLESS)
def test_meaningless_results_are_refused_before_training(arena, capsys, trained, case):
    given, message = MEANINGLESS[case]
    plug = write_plugin(arena.work / "plug.py", **(given if isinstance(given, dict) else {}))
    if isinstance(given, list) and given[0] == "search":
        argv = given
    else:
        argv = ["run", f"./{plug.name}", *(["--profile", "smoke"] if "--profile" not in given else []),
                *(given if isinstance(given, list) else [])]
    before = arena.snapshot()
    refused(main(argv), *capsys.readouterr(), message)
    assert not list((arena.work / "runs").rglob("*.json")) and not (arena.work / "results").exists()
    assert arena.snapshot() == before


@pytest.mark.parametrize("command", [["show", "./plug.py", "--profile", ""], ["report", "./plug.py", "--profile", ""],
                                     ["report", "./plug.py", "--profile", "smoke", "--dataset", ""]])
def test_empty_selection_is_refused_on_reading_commands(arena, capsys, trained, command):
    stage(arena, trained, results=True)
    before = arena.snapshot(include_inside=True)
    refused(main(command), *capsys.readouterr(), r"(profile|dataset) ''")
    assert arena.snapshot(include_inside=True) == before


def test_site_out_empty_is_refused(arena, capsys, trained):
    stage(arena, trained, results=True)
    before = arena.snapshot(include_inside=True)
    refused(main(["site", "--out", ""]), *capsys.readouterr(), r"--out")
    assert arena.snapshot(include_inside=True) == before


SITE_OUT = {  # --out -> what the one line names; the site replaces its directory whole
    "the-results": ("results", r"would replace the results pages"),
    "above-the-results": (".", r"would replace the results pages"),
    "inside-a-page": ("results/hostile/smoke/site", r"would replace the results pages"),
    "a-users-directory": ("out/mine", r"holds files but no site"),
}


@pytest.mark.parametrize("case", SITE_OUT)
def test_a_site_never_replaces_what_is_not_a_site(arena, capsys, trained, case):
    out, message = SITE_OUT[case]
    stage(arena, trained, results=True)
    (arena.work / "out" / "mine").mkdir(parents=True)
    (arena.work / "out" / "mine" / "thesis.tex").write_text("months of work\n")
    before = arena.snapshot(include_inside=True)
    refused(main(["site", "--out", out]), *capsys.readouterr(), message)
    assert arena.snapshot(include_inside=True) == before


OUT_OF_RANGE = [("test_accuracy", 5.0), ("best_dev_accuracy", -0.5), ("min_dev_loss", -1.0),
                ("generalization_gap", 3.0), ("fitted_fraction", 1.5), ("test_accuracy", float("inf")),
                ("epochs_trained", -3.0), ("final_dev_accuracy", 10 ** 400)]


@pytest.mark.parametrize("metric, value", OUT_OF_RANGE, ids=[f"{m}={v!r:.12}" for m, v in OUT_OF_RANGE])
def test_a_stored_metric_out_of_its_range_damages_the_record(arena, capsys, trained, metric, value):
    stage(arena, trained)
    path = records(arena)[0]
    record = json.loads(path.read_text())
    record["metrics"][metric] = value
    path.write_text(json.dumps(record))
    before = arena.snapshot()
    refused(main(REPORT), *capsys.readouterr(), rf"trial record .*{re.escape(path.name)} is damaged .*{metric}")
    assert not (arena.work / "results").exists() and arena.snapshot() == before


# --- kind 5 (reading): damaged records ---------------------------------------------------------------

def _set(*where_value):
    *where, value = where_value

    def change(record):
        target = record
        for key in where[:-1]:
            target = target[key]
        if value is KeyError:
            target.pop(where[-1])
        else:
            target[where[-1]] = value
    return change


DAMAGED_FIELDS = {
    "packages-list": _set("environment", "packages", ["jax"]),
    "device-number": _set("environment", "device", 5),
    "cpu-count-text": _set("environment", "cpu_count", "two"),
    "python-list": _set("environment", "python", ["3"]),
    "host-list": _set("host", ["a", "b"]),
    "worker-dict": _set("worker", {}),
    "splits-text": _set("splits", "abc"),
    "splits-size-text": _set("splits", "train", "many"),
    "history-accuracy-text": lambda r: r["history"][0].update(accuracy="high"),
    "history-epoch-huge": lambda r: r["history"][0].update(epoch=10 ** 30),
    "history-row-list": lambda r: r["history"].append([1, 2]),
    "point-other-width": _set("point", "width", 999),
    "point-missing-axis": _set("point", {"seed": 0}),
    "point-list-value": _set("point", "width", [4]),
    "seed-huge": _set("seed", 10 ** 30),
    "seed-other": lambda r: r.update(seed=r["seed"] + 1),
    "wall-time-infinite": _set("wall_time_s", float("inf")),
    "wall-time-negative": _set("wall_time_s", -5.0),
    "diverged-epoch-text": _set("diverged_epoch", "soon"),
    "metric-named-seed": lambda r: r["metrics"].update(seed=0.5),
    "metric-named-axis": lambda r: r["metrics"].update(width=0.5),
    "n-params-huge": _set("n_params", 10 ** 40),
    "steps-text": _set("steps_per_epoch", "60"),
}


@pytest.mark.parametrize("case", DAMAGED_FIELDS)
def test_a_record_field_of_the_wrong_type_or_size_is_damage(arena, capsys, trained, case):
    stage(arena, trained)
    path = records(arena)[-1]
    record = json.loads(path.read_text())
    DAMAGED_FIELDS[case](record)
    path.write_text(json.dumps(record))
    before = arena.snapshot()
    refused(main(REPORT), *capsys.readouterr(), rf"trial record .*{re.escape(path.name)} is damaged")
    assert not (arena.work / "results").exists() and arena.snapshot() == before


def test_a_record_without_its_optional_fields_still_reports(arena, capsys, trained):
    """Fields the schema leaves optional (older records lack them) are reported as not recorded."""
    stage(arena, trained)
    for path in records(arena):
        record = json.loads(path.read_text())
        for name in ("packages", "device", "cpu_count", "python", "git_commit"):
            record["environment"].pop(name)
        record["environment"]["packages"] = None
        path.write_text(json.dumps(record))
    before = arena.snapshot()
    assert main(REPORT) == 0, capsys.readouterr().err[-3000:]
    assert "packages: not recorded" in (arena.work / "results" / "hostile" / "smoke" / "README.md").read_text()
    assert arena.snapshot() == before


def _fifo(path: Path) -> None:
    path.unlink()
    os.mkfifo(path)


def _oversized(path: Path) -> None:
    text = path.read_text()
    with path.open("w") as stream:  # still a valid record, padded past any sane size
        stream.write(text[:-1] + " " * (70 * 2 ** 20) + text[-1])


DAMAGED_FILES = {
    "fifo": (_fifo, r"not a regular file"),
    "directory": (lambda p: (p.unlink(), p.mkdir()), r"not a regular file|directory"),
    "dev-zero": (lambda p: (p.unlink(), p.symlink_to("/dev/zero")), r"not a regular file"),  # a read that never ends
    "oversized": (_oversized, r"MiB|too large|bytes"),
    "latin-1": (lambda p: p.write_bytes(p.read_bytes().replace(b'"hostile"', b'"host\xefle"')), r"UTF-8"),
}


@pytest.mark.parametrize("case", DAMAGED_FILES)
def test_a_record_file_that_cannot_be_read_is_damage(arena, capsys, trained, case):
    damage, message = DAMAGED_FILES[case]
    stage(arena, trained)
    path = records(arena)[0]
    damage(path)
    before = arena.snapshot()
    with unblocked(arena.work):
        code = main(REPORT)
    refused(code, *capsys.readouterr(), rf"{re.escape(path.name)} is damaged .*({message})")
    assert arena.snapshot() == before


# --- kind 5 (reading): damaged pages for show and site --------------------------------------------------

def _page(arena) -> Path:
    return arena.work / "results" / "hostile" / "smoke"


DAMAGED_PAGES = {
    "verdict-latin-1": ("verdict.json", b'{"verdict": "supported", "claim": "caf\xe9"}', r"verdict.json.*UTF-8"),
    "verdict-list": ("verdict.json", b"[1, 2, 3]", r"verdict.json.*damaged"),
    "verdict-claims-number": ("verdict.json", b'{"verdict": "x", "claims": 5}', r"verdict.json.*damaged.*claims"),
    "verdict-claims-items": ("verdict.json", b'{"verdict": "x", "claims": [1, "a"]}', r"verdict.json.*damaged.*claims"),
    "verdict-evidence-text": ("verdict.json", b'{"verdict": "x", "evidence": "all"}', r"verdict.json.*damaged.*evidence"),
    "verdict-oversized": ("verdict.json", None, r"verdict.json.*(MiB|too large|bytes)"),
    "verdict-directory": ("verdict.json", "dir", r"verdict.json.*(directory|not a regular file)"),
    "readme-latin-1": ("README.md", b"# Study \xe9t\xe9\n\n| a |\n|---|\n| 1 |\n", r"README.md.*UTF-8"),
    "readme-fifo": ("README.md", "fifo", r"README.md.*not a regular file"),
}


def _damage_page(arena, name: str, content) -> None:
    path = _page(arena) / name
    path.unlink()
    if content is None:
        with path.open("wb") as stream:
            stream.truncate(200 * 2 ** 20)  # sparse: 200 MiB of nothing
    elif content == "dir":
        path.mkdir()
    elif content == "fifo":
        os.mkfifo(path)
    else:
        path.write_bytes(content)


@pytest.mark.parametrize("command", ["show", "site"])
@pytest.mark.parametrize("case", DAMAGED_PAGES)
def test_a_damaged_page_is_one_line_and_leaves_no_partial_site(arena, capsys, trained, case, command):
    name, content, message = DAMAGED_PAGES[case]
    stage(arena, trained, results=True)
    other = arena.work / "results" / "aaa_first"  # a page the site would write before the damaged one
    other.mkdir()
    (other / "README.md").write_text("# first\n")
    _damage_page(arena, name, content)
    before = arena.snapshot(include_inside=True)
    argv = ["show", "./plug.py", "--profile", "smoke"] if command == "show" else SITE
    with unblocked(arena.work):
        code = main(argv)
    refused(code, *capsys.readouterr(), message)
    assert arena.snapshot(include_inside=True) == before  # no partial site, nothing else written


def test_a_damaged_page_leaves_the_previous_site_as_it_was(arena, capsys, trained):
    stage(arena, trained, results=True)
    assert main(SITE) == 0
    capsys.readouterr()
    _damage_page(arena, "README.md", b"\xff\xfe broken")
    before = arena.snapshot(include_inside=True)
    refused(main(SITE), *capsys.readouterr(), r"README.md.*UTF-8")
    assert arena.snapshot(include_inside=True) == before


def test_a_damaged_related_verdict_is_read_as_missing(arena, capsys, trained):
    """A report reads the verdict of a related profile; a damaged one is 'not run', not a traceback."""
    stage(arena, trained, results=True,
          related="(Related('quick', 'eight units beat four', 'more epochs'),)",
          profiles=BASE["profiles"][:-1] + ", 'quick': {'dataset': 'synthetic', 'epochs': 2}}")
    (arena.work / "plug.py").write_text((arena.work / "plug.py").read_text().replace(
        "import Figure,", "import Figure, Related,"))
    quick = arena.work / "results" / "hostile"
    quick.mkdir(exist_ok=True)
    (quick / "verdict.json").write_text('{"claims": [1, {"verdict": "supported"}]}')
    before = arena.snapshot()
    assert main(REPORT) == 0, capsys.readouterr().err[-3000:]
    assert arena.snapshot() == before


# --- kind 5 (reading): not a study, and study fields of the wrong type -----------------------------------

NOT_A_STUDY = {
    "text-file": ("notes.txt", b"just some notes\n", r"notes.txt.*(not a Python file|\.py)"),
    "pyc-file": ("study.pyc", b"\x00\x01binary", r"study.pyc.*(not a Python file|\.py)"),
    "directory": ("studydir", None, r"studydir.*directory"),
    "no-study": ("empty.py", b"x = 1\n", r"defines no STUDY"),
    "binary-py": ("binary.py", bytes(range(256)), r"binary.py.*fails to import"),
    "latin-1-py": ("latin.py", b"STUDY = '\xe9'\n", r"latin.py.*fails to import: SyntaxError"),
    "study-dict": ("dict.py", b"STUDY = {'name': 'x', 'claim': 'y'}\n", r"defines no STUDY"),
    "raises-lines": ("lines.py", b"raise ValueError('first line\\nsecond line\\n  third')\n",
                     r"fails to import: ValueError: first line second line third"),
    "dev-null": ("/dev/null", None, r"/dev/null.*(not a regular file|not a Python file|\.py)"),
}


@pytest.mark.parametrize("case", NOT_A_STUDY)
def test_a_file_that_is_not_a_study_is_one_line(arena, capsys, case):
    name, content, message = NOT_A_STUDY[case]
    if name.startswith("/"):
        target = name
    else:
        path = arena.work / name
        if content is None:
            path.mkdir()
        else:
            path.write_bytes(content)
        target = f"./{name}"
    before = arena.snapshot()
    refused(main(["run", target, "--profile", "smoke"]), *capsys.readouterr(), message)
    assert arena.snapshot() == before and not (arena.work / "runs").exists()


WRONG_TYPES = {  # plug-in field -> (Python source, the field the line must name)
    "claim-number": ("claim", "5", r"claim"),
    "source-none": ("source", "None", r"source"),
    "name-number": ("name", "5", r"name"),
    "axes-text": ("axes", "'x'", r"axes"),
    "axis-values-number": ("axes", "{'width': 5}", r"width"),
    "rules-number-items": ("rules", "[1]", r"rules"),
    "rule-a-text": ("rules", "(Rule('better', a='x', b={'width': 4}),)", r"rule.* a\b"),
    "rule-margin-text": ("rules", "(Rule('better', a={'width': 8}, b={'width': 4}, margin='big'),)", r"margin"),
    "rule-metric-number": ("rules", "(Rule('better', a={'width': 8}, b={'width': 4}, metric=5),)", r"metric"),
    "rule-runs-other": ("rules", "(Rule('better', a={'width': 8}, b={'width': 4}, runs='all'),)", r"runs"),
    "profiles-list": ("profiles", "[]", r"profiles"),
    "profile-number": ("profiles", "{'smoke': 5}", r"smoke"),
    "base-text": ("base", "'mlp'", r"base"),
    "metrics-text": ("metrics", "'test_accuracy'", r"metrics"),
    "tables-number": ("tables", "[1]", r"tables"),
    "figures-number": ("figures", "(1,)", r"figures"),
    "only-number": ("only", "5", r"only"),
    "notes-number": ("notes", "5", r"notes"),
    "units-list": ("units", "[1]", r"units"),
    "derive-number": ("derive", "5", r"derive"),
    "references-number": ("references", "[1]", r"references"),
    "search-text": ("search", "'x'", r"search"),
    "related-number": ("related", "[1]", r"related"),
    "curves-text": ("curves", "'loss'", r"curves"),
}


@pytest.mark.parametrize("command", ["run", "show"])
@pytest.mark.parametrize("case", WRONG_TYPES)
def test_a_study_field_of_the_wrong_type_is_one_line(arena, capsys, case, command):
    field, source, message = WRONG_TYPES[case]
    write_plugin(arena.work / "plug.py", **{field: source})
    before = arena.snapshot()
    refused(main([command, "./plug.py", "--profile", "smoke"]), *capsys.readouterr(), message)
    assert arena.snapshot() == before and not (arena.work / "runs").exists()
