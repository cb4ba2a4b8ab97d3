"""The ``invoke import-wordpress`` task (wired into the project's tasks.py)."""

from __future__ import annotations

from pathlib import Path

from invoke import Context, Exit, task

ROOT = Path(__file__).resolve().parents[2]


def _site_timezone(settings_file: Path) -> str:
    """The site's TIMEZONE, for the few export dates that carry no zone."""
    try:
        from pelican.settings import read_settings

        return str(read_settings(str(settings_file)).get("TIMEZONE") or "UTC")
    except Exception:  # a settings file that cannot load must not block an import
        return "UTC"


@task(
    positional=["wxr"],
    help={
        "wxr": "the WordPress export file (WXR, from Tools → Export)",
        "output": "content folder to write into (default content/)",
        "dry_run": "write nothing: list what would be written and the orphans",
        "lang": "Lang: of the imported posts (default: the export's language)",
        "include_pingbacks": "import approved pingbacks and trackbacks as comments",
        "include_private": "import private and password-protected items as drafts",
        "overwrite": "replace files changed since an earlier import",
    },
)
def import_wordpress(
    c: Context,
    wxr: str,
    output: str = "content",
    dry_run: bool = False,
    lang: str = "",
    include_pingbacks: bool = False,
    include_private: bool = False,
    overwrite: bool = False,
) -> None:
    """Import posts, pages and comments from a WordPress export (twice: no change)."""
    from .cli import main

    argv = [
        wxr,
        "--output",
        output,
        "--timezone",
        _site_timezone(ROOT / "pelicanconf.py"),
    ]
    flags = {
        "--dry-run": dry_run,
        "--include-pingbacks": include_pingbacks,
        "--include-private": include_private,
        "--overwrite": overwrite,
    }
    argv += [flag for flag, on in flags.items() if on]
    if lang:
        argv += ["--lang", lang]
    code = main(argv)
    if code:
        raise Exit(code=code)
