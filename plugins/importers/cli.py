"""``python -m importers.cli export.xml``: import a WordPress blog, comments and all.

Prints a summary (counts of what was imported and skipped, and why), then the
notes, the comments that failed the contract, and the orphans. Exit status: 0
when every comment that should come along did, 1 when some were invalid (the
rest is written all the same), 2 when the export is unreadable or refused.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .importer import Options, Report, run_import
from .wordpress import WxrError
from .writer import UNCHANGED


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="import-wordpress",
        description="Import posts, pages and comments from a WordPress export (WXR).",
    )
    p.add_argument(
        "wxr", type=Path, help="the export file (Tools → Export in WordPress)"
    )
    p.add_argument(
        "--output",
        type=Path,
        default=Path("content"),
        help="content folder to write into (default: content/)",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="write nothing; list what would be written and the orphans",
    )
    p.add_argument(
        "--lang",
        default=None,
        help="Lang: of every post (default: the export's <language>)",
    )
    p.add_argument(
        "--timezone",
        default="UTC",
        help="zone for dates the export gives without one, e.g. drafts "
        "(default: UTC; the site uses its TIMEZONE)",
    )
    p.add_argument(
        "--include-pingbacks",
        action="store_true",
        help="import approved pingbacks and trackbacks as comments",
    )
    p.add_argument(
        "--include-private",
        action="store_true",
        help="import private and password-protected items, as drafts",
    )
    p.add_argument(
        "--anonymous",
        default="Anonym",
        help="author name for comments without one (default: Anonym)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace files that were changed since an earlier import",
    )
    p.add_argument(
        "--verbose",
        "-v",
        action="store_true",
        help="list every file, also the unchanged ones",
    )
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        tz = ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        print(
            f"unknown time zone {args.timezone!r}; use a name like Europe/Berlin",
            file=sys.stderr,
        )
        return 2
    options = Options(
        output=args.output,
        lang=args.lang,
        timezone=tz,
        include_pingbacks=args.include_pingbacks,
        include_private=args.include_private,
        anonymous=args.anonymous,
        overwrite=args.overwrite,
    )
    try:
        report = run_import(args.wxr, options, dry_run=args.dry_run)
    except WxrError as exc:
        print(f"{args.wxr}: {exc}", file=sys.stderr)
        return 2
    print_report(report, dry_run=args.dry_run, verbose=args.verbose, out=sys.stdout)
    return 1 if report.problems else 0


def print_report(report: Report, *, dry_run: bool, verbose: bool, out: object) -> None:
    """The summary first, then the details a site owner has to act on."""

    def say(line: str = "") -> None:
        print(line, file=out)  # type: ignore[call-overload]

    verb = "would be" if dry_run else "were"
    for outcome, path in report.outcomes:
        if verbose or (outcome != UNCHANGED):
            say(f"{outcome:>11}  {path}" + (" (dry run)" if dry_run else ""))
    say()
    say(f"Summary ({'dry run, nothing written' if dry_run else 'written'}):")
    for line in report.lines():
        say("  " + line)
    if report.problems:
        say()
        say(f"Comments that {verb} left out because they break the comment format:")
        for problem in report.problems:
            say("  " + problem.format())
    if report.orphans:
        say()
        say("Orphans (comments whose post or page is not imported):")
        for line in report.orphans:
            say("  " + line)
    if report.notes:
        say()
        say("Notes:")
        for line in report.notes:
            say("  " + line)


if __name__ == "__main__":
    sys.exit(main())
