"""``suite show STUDY``: a study's verdicts and headline table in the terminal, from its results page."""
from __future__ import annotations

from suite.cli.arguments import PROFILE_HELP, ProfileHelp, profile_name
from suite.cli.commands import common
from suite.errors import UserError
from suite.reporting import pages


def add(subparsers) -> None:
    parser = subparsers.add_parser("show", help="a study's verdicts and headline table (from results/)",
                                   formatter_class=ProfileHelp)
    parser.add_argument("study", help="a study name (see `suite list`) or a path to a study file")
    parser.add_argument("--profile", type=profile_name, default=None, help=PROFILE_HELP)
    common.results_dir(parser)


def headline_table(readme: str) -> list[str]:
    """The first markdown table after the ``## Results`` heading (else the first table at all)."""
    lines = readme.splitlines()
    start = next((i for i, line in enumerate(lines) if line.strip() == "## Results"), 0)
    table = []
    for line in lines[start:]:
        if line.startswith("|"):
            table.append(line)
        elif table:
            break
    return table


def verdict_lines(verdict: dict) -> list[str]:
    """The overall verdict, then each claim's verdict (and any scalar fields it carries)."""
    lines = [f"verdict: {str(verdict.get('verdict', '?')).replace('_', ' ')}"]
    for number, claim in enumerate(verdict.get("claims") or [], 1):
        extra = [f"{key} {value}" for key, value in claim.items()
                 if key not in ("claim", "verdict", "evidence") and not isinstance(value, (dict, list))]
        lines.append(f"  {number}. {str(claim.get('verdict', '?')).replace('_', ' '):14} {claim.get('claim', '')}"
                     + (f" ({'; '.join(extra)})" if extra else ""))
    return lines


def main(args) -> int:
    from suite.design.plugins import find_study  # deferred: loads pandas and scikit-learn
    from suite.design.study import DEFAULT_PROFILE  # deferred: loads pandas and scikit-learn

    study = find_study(args.study)
    profile = DEFAULT_PROFILE if args.profile is None else args.profile
    if profile not in study.profiles:  # '' included: never silently the default
        raise UserError(f"unknown profile '{profile}' for study '{study.name}'; choose one of: "
                        f"{', '.join(study.profiles)}")
    directory = args.results_dir / study.name
    if profile != DEFAULT_PROFILE:
        directory = directory / profile
    verdict_path, readme = directory / "verdict.json", directory / "README.md"
    if not verdict_path.exists() or not readme.exists():
        raise UserError(f"no results for study '{study.name}' (profile {profile}) in {directory}; "
                        f"run `suite run {args.study}` or `suite report {args.study}` first")
    fix = f"rebuild it with `suite report {args.study}`"
    verdict = pages.verdict(verdict_path, fix)
    table = headline_table(pages.text(readme, fix))
    print(f"{study.name} ({profile}): {verdict.get('claim') or study.claim}")
    print("\n".join(verdict_lines(verdict)))
    print()
    print("\n".join(table))
    print(f"\n(full page: {readme})")
    return 0
