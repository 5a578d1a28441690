"""``suite site``: the static HTML site of every results page."""
from __future__ import annotations

from pathlib import Path

from suite.commands import common


def add(subparsers) -> None:
    parser = subparsers.add_parser("site", help="write a static HTML site of the results (results/site/)")
    common.results_dir(parser)
    parser.add_argument("--out", type=Path, default=None, help="site directory (default: RESULTS_DIR/site)")


def main(args) -> int:
    from suite import plugins, site
    from suite.errors import UserError

    if not args.results_dir.is_dir():
        raise UserError(f"results directory {args.results_dir} does not exist; run a study first "
                        f"or pass --results-dir")
    out = args.out or args.results_dir / site.SITE_DIR
    try:
        written = site.build(args.results_dir, out, plugins.all_studies())
    except PermissionError as exc:
        raise UserError(f"cannot write the site to {out} ({exc.strerror}); choose another --out") from None
    print(f"wrote {out}/index.html ({len(written)} pages)")
    return 0
