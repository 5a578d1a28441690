"""``suite site``: a self-contained static HTML site built from the ``results/`` pages.

Nothing here knows a study: every directory under ``results/`` with a ``README.md`` becomes a page
(a study when it has a ``verdict.json``, a search when it is named ``search-*``, else a benchmark or
other page), its markdown rendered as it stands (tables, figures, setup) and its files copied
next to it, so the site can be moved or published as one folder. ``tables.js`` (copied beside
``style.css``) makes every table sortable and the long ones filterable, with a search box over
the index's claims and verdicts; without JavaScript the tables are plain. The index has one row per study
of the registry and per study found on disk, with the verdict and each claim's verdict read from
``verdict.json``; fields the verdict format gains later show up in the claims and evidence tables
without changes here.

Every text reaches the HTML escaped: the templates autoescape, and the markdown is rendered
without raw HTML or script addresses (``suite.reporting.markdown_html``); page and file names
become percent-encoded relative links. Every page is read and rendered before anything is
written, and the site is written beside its directory and swapped in whole
(``suite.store.files.replaced_whole``), so a damaged page leaves no partial site behind.
"""
from __future__ import annotations

import json
from collections import Counter
import posixpath
import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

import jinja2

from suite.errors import UserError
from suite.reporting import markdown_html
from suite.reporting import pages as page_files
from suite.store.files import replaced_whole

SITE_DIR = "site"
ASSETS = (".png", ".svg", ".pdf", ".csv", ".json", ".keras")  # copied beside each page
_LINK = re.compile(r'(href|src)="([^"#:?]+)((?:[#?][^"]*)?)"')
_NESTED = re.compile(r"^( {2,3})([-*] |\d+\. )", re.M)
# a PNG figure, and the report's own vector links after it ("[SVG](x.svg) · [PDF](x.pdf)"), which the
# site's format links replace
_IMAGE = re.compile(r'(<img [^>]*src="([^"]+)\.png"[^>]*>)((?:\s*(?:·\s*)?<a href="\2\.(?:svg|pdf)">(?:SVG|PDF)</a>)*)')


@dataclass
class Page:
    source: Path  # the markdown file under results/
    rel: str  # its directory relative to results/, posix ("depth", "mlp_search/search-hyperband")
    kind: str  # "study", "search" or "other"
    title: str = ""
    verdict: dict | None = None
    extra_md: list = field(default_factory=list)  # other .md files of the same directory
    text: str = ""  # the markdown of ``source``

    @property
    def path(self) -> str:
        return f"{self.rel}/index.html"

    @property
    def href(self) -> str:  # percent-encoded: a directory named "javascript:..." is a relative link
        return quote(self.path)


def _fix(directory: Path) -> str:
    return f"rebuild that page (`suite report {directory.name}`) or move it out of the results directory"


def discover(results_dir: Path) -> list[Page]:
    """Every page under ``results_dir`` (the site's own directory excluded), in path order, its
    markdown and verdict read (UserError naming a damaged one)."""
    pages = []
    for readme in sorted(results_dir.rglob("README.md")):
        directory = readme.parent
        rel = directory.relative_to(results_dir).as_posix()
        if rel == "." or rel.split("/")[0] == SITE_DIR:
            continue
        verdict_path = directory / "verdict.json"
        verdict = page_files.verdict(verdict_path, _fix(directory)) if verdict_path.exists() else None
        text = page_files.text(readme, _fix(directory))
        kind = "study" if verdict is not None else "search" if directory.name.startswith("search-") else "other"
        title = next((line.lstrip("# ").strip() for line in text.splitlines() if line.startswith("# ")), rel)
        extra = sorted(path for path in directory.glob("*.md") if path.name != "README.md")
        pages.append(Page(readme, rel, kind, title.replace("`", ""), verdict, extra, text))
    return pages


def _words(value) -> str:
    return str(value or "").replace("_", " ")


def _css(value) -> str:
    text = str(value or "other").lower().replace(" ", "_")
    return text if text in ("supported", "not_supported", "contradicted", "inconclusive", "budget_limited") else "other"


def _scalar(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, (dict, list)):
        return json.dumps(value, sort_keys=True)
    return "" if value is None else str(value)


def _claim_extra(claim: dict) -> str:
    """The scalar fields of a claim beyond its text, verdict and evidence (e.g. an adjusted p)."""
    return "; ".join(f"{key.replace('_', ' ')} {_scalar(value)}" for key, value in claim.items()
                     if key not in ("claim", "verdict", "evidence", "rule", "rules")
                     and not isinstance(value, (dict, list)))


SUMMARY = ("rule", "verdict", "detail", "why")  # the compact table's columns, when the evidence has them


def _summary(columns: list[str]) -> list[str]:
    """The columns of the compact table: the rule, its verdict and its worded detail, else the
    first few fields (the full table is folded below it)."""
    chosen = [column for column in SUMMARY if column in columns]
    return chosen if len(chosen) >= 3 else list(dict.fromkeys([*chosen, *columns]))[:5]


def _evidence_groups(verdict: dict) -> list[dict]:
    """One table per claim (or one for the study): a row per evidence item, a column per field,
    and a compact table of the few columns a reader looks at first."""
    groups = []
    claims = verdict.get("claims") or [{"claim": "", "verdict": verdict.get("verdict"),
                                        "evidence": verdict.get("evidence", [])}]
    for claim in claims:
        items = [item for item in claim.get("evidence", []) if isinstance(item, dict)]
        columns = list(dict.fromkeys(key for item in items for key in item if key != "claim"))
        summary = _summary(columns)
        groups.append({"claim": claim.get("claim", ""), "verdict": claim.get("verdict"), "columns": columns,
                       "rows": [[_scalar(item.get(column)) for column in columns] for item in items],
                       "summary": summary,
                       "summary_rows": [[_scalar(item.get(column)) for column in summary] for item in items]})
    return groups


def _render_markdown(text: str, directory: Path, md_pages: dict[Path, str], here: str) -> str:
    """Markdown to HTML; links to .md pages point at their HTML pages, and each PNG figure gets
    links to its SVG and PDF when the report wrote them."""
    # CommonMark (GitHub) nests a list item indented by 2-3 spaces; Python-Markdown wants 4
    text = _NESTED.sub(lambda m: "    " + m.group(2), text)
    html = markdown_html.render(text)

    def relink(match: re.Match) -> str:
        attribute, target, tail = match.groups()
        if target.endswith(".md"):
            page = md_pages.get((directory / target).resolve())
            if page is not None:
                target = quote(posixpath.relpath(page, here))
        return f'{attribute}="{target}{tail}"'

    def formats(match: re.Match) -> str:
        image, stem, vectors = match.groups()
        links = [f'<a href="{stem}.{ext}">{ext.upper()}</a>' for ext in ("png", "svg", "pdf")
                 if (directory / f"{stem}.{ext}").exists()]
        return f'{image}<span class="formats">{" · ".join(links)}</span>' if len(links) > 1 else image + vectors

    return _IMAGE.sub(formats, _LINK.sub(relink, html))


def _environment() -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.PackageLoader("suite.reporting", "templates"),
                             autoescape=True, undefined=jinja2.StrictUndefined)  # every text escaped
    env.filters.update(words=_words, css=_css)
    return env


def _index_rows(pages: list[Page], registry: dict) -> list[dict]:
    """One row per study: the registry's studies in its order, then studies found only on disk;
    those with a verdict first, then those with a search only, then those without results."""
    by_study: dict[str, list[Page]] = {}
    searches: dict[str, list[Page]] = {}
    for page in pages:
        if page.kind in ("study", "search"):
            (by_study if page.kind == "study" else searches).setdefault(page.rel.split("/")[0], []).append(page)
    rows = []
    for name in [*registry, *(name for name in by_study if name not in registry)]:
        found = sorted(by_study.get(name, []), key=lambda page: (page.rel != name, page.rel))
        main = found[0] if found else None
        verdict = main.verdict if main else {}
        claims = [{"claim": c.get("claim", ""), "verdict": c.get("verdict"), "extra": _claim_extra(c)}
                  for c in verdict.get("claims", []) if isinstance(c, dict)]
        if not claims and verdict.get("evidence"):  # one claim: its rules' verdicts, counted
            counts = Counter(str(item.get("verdict")).replace("_", " ") for item in verdict["evidence"]
                             if isinstance(item, dict))
            claims = [{"claim": f"{len(verdict['evidence'])} rules: "
                                + ", ".join(f"{n} {word}" for word, n in counts.items()),
                       "verdict": verdict.get("verdict"), "extra": ""}]
        claim = verdict.get("claim") or getattr(registry.get(name), "claim", "")
        rows.append({"name": name, "href": main.href if main else "", "claim": claim,
                     "verdict": verdict.get("verdict"), "claims": claims,
                     "others": [{"href": page.href, "label": page.rel} for page in
                                [*found[1:], *searches.get(name, [])]]})
    return sorted(rows, key=lambda row: 0 if row["href"] else 1 if row["others"] else 2)  # stable


SITE_FILES = ("index.html", "style.css")  # what every site holds beside its page directories
STATIC = ("style.css", "tables.js")  # copied from the templates; tables.js sorts and filters the tables


def _check_out(out_dir: Path, results_dir: Path, pages: list[Page]) -> None:
    """The site replaces ``out_dir`` whole: refuse the results themselves (or a directory holding
    them, or one inside a page) and a directory that holds files but is no site."""
    out, results = out_dir.resolve(), results_dir.resolve()
    if results.is_relative_to(out) or any(out.is_relative_to(page.source.parent.resolve()) for page in pages):
        raise UserError(f"--out {out_dir} would replace the results pages it is built from; choose a directory "
                        f"outside them (default: {results_dir / SITE_DIR})")
    if out.is_dir() and any(entry.is_file() for entry in out.iterdir()) \
            and not all((out / name).is_file() for name in SITE_FILES):
        raise UserError(f"--out {out_dir} holds files but no site (no index.html and style.css); choose a new or "
                        f"empty directory, or the site written before")


def build(results_dir: Path, out_dir: Path, registry: dict | None = None) -> list[Path]:
    """Write the site for ``results_dir`` into ``out_dir``; return the HTML files written.

    ``registry``: study name -> Study (its claim fills the row of a study not run yet).
    Raises UserError when ``results_dir`` holds no page, or ``out_dir`` is not a place for a site.
    """
    registry = registry or {}
    pages = discover(results_dir)
    if not pages and not registry:
        raise UserError(f"no results pages under {results_dir}; run a study first (`suite run depth`)")
    _check_out(out_dir, results_dir, pages)
    env = _environment()
    md_pages = {page.source.resolve(): page.path for page in pages}
    md_pages.update({extra.resolve(): f"{page.rel}/{extra.stem}.html" for page in pages for extra in page.extra_md})
    html, copies = {}, []  # everything is read and rendered before anything is written

    for page in pages:
        directory = page.source.parent
        files = sorted(path.name for path in directory.iterdir() if path.is_file() and path.suffix in ASSETS)
        copies += [(directory / name, f"{page.rel}/{name}") for name in files]
        root = "../" * (page.rel.count("/") + 1)
        crumbs = page.rel.split("/")
        for source, name in [(page.source, "index.html"), *((extra, f"{extra.stem}.html") for extra in page.extra_md)]:
            here = posixpath.dirname(f"{page.rel}/{name}")
            text = page.text if source == page.source else page_files.text(source, _fix(directory))
            body = _render_markdown(text, directory, md_pages, here)
            html[f"{page.rel}/{name}"] = env.get_template("page.html").render(
                title=page.title, root=root, crumbs=crumbs, body=body,
                evidence=_evidence_groups(page.verdict) if page.verdict and name == "index.html" else [],
                files=[{"href": quote(f), "name": f} for f in files if not f.endswith(".md")]
                if name == "index.html" else [])
    html["index.html"] = env.get_template("index.html").render(
        title="studies", root="", crumbs=[], studies=_index_rows(pages, registry),
        searches=[page for page in pages if page.kind == "search"],
        others=[page for page in pages if page.kind == "other"])

    # Whole or not at all; what the old site holds beside the pages written (a screenshot, pages
    # of results no longer there) is kept, as when pages were written into it one by one.
    with replaced_whole(out_dir, keep=("*",)) as staging:
        for rel, text in html.items():
            (staging / rel).parent.mkdir(parents=True, exist_ok=True)
            (staging / rel).write_text(text)
        for source, rel in copies:
            shutil.copy2(source, staging / rel)
        for name in STATIC:
            shutil.copy2(Path(__file__).parent / "templates" / name, staging / name)
    return [out_dir / rel for rel in html]
