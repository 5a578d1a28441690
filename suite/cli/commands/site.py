"""``suite site``: the static HTML site of every results page."""
from __future__ import annotations

from suite.cli.arguments import directory
from suite.cli.commands import common
from suite.reporting import site
from suite.errors import UserError
from suite.reporting import browser


def add(subparsers) -> None:
    parser = subparsers.add_parser("site", help="write a static HTML site of the results (results/site/)")
    common.results_dir(parser)
    parser.add_argument("--out", type=directory, default=None, help="site directory (default: RESULTS_DIR/site)")
    parser.add_argument("--screenshot", action="store_true",
                        help="also save screenshot.png, the index page as headless Chromium shows it")


def main(args) -> int:
    from suite.design import plugins  # deferred: loads pandas and scikit-learn

    if not args.results_dir.is_dir():
        raise UserError(f"results directory {args.results_dir} does not exist; run a study first "
                        f"or pass --results-dir")
    out = args.out or args.results_dir / site.SITE_DIR
    try:
        written = site.build(args.results_dir, out, plugins.all_studies())
    except PermissionError as exc:
        raise UserError(f"cannot write the site to {out} ({exc.strerror}); choose another --out") from None
    print(f"wrote {out}/index.html ({len(written)} pages)")
    if args.screenshot:
        if browser.find() is None:
            raise UserError("--screenshot needs chromium; apt-get install chromium (the site itself is written)")
        path = browser.screenshot((out / "index.html").resolve().as_uri(), out / "screenshot.png")
        print(f"wrote {path}")
    return 0
