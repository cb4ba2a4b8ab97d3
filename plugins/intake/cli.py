"""``comment-intake``: run the service with uvicorn over a site's git repository.

Settings come from the site's pelicanconf.py (``INTAKE_*`` and a few site keys);
the options here name the places and override what a test or a deployment needs.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from .config import RateLimit, SettingsError, from_mapping, load_settings_file


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="comment-intake",
        description="Accept reader comments and push each as a branch for moderation.",
    )
    p.add_argument(
        "--repo",
        type=Path,
        default=Path("."),
        help="the site's git working tree (posts are read here)",
    )
    p.add_argument("--remote", default="origin", help="remote name of --repo, or a URL")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8001)
    p.add_argument(
        "--spool",
        type=Path,
        default=None,
        help="SQLite spool file (default: <repo>/.intake/spool.sqlite3)",
    )
    p.add_argument(
        "--settings",
        type=Path,
        default=None,
        help="settings file (default: <repo>/pelicanconf.py if present)",
    )
    p.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        help="another origin that may post (repeatable)",
    )
    p.add_argument("--site-url", default=None, help="override SITEURL")
    p.add_argument(
        "--rate-address", default=None, help="COUNT/SECONDS per address, 0/1 = off"
    )
    p.add_argument(
        "--rate-post", default=None, help="COUNT/SECONDS per post, 0/1 = off"
    )
    p.add_argument(
        "--pow",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="require the proof-of-work check",
    )
    p.add_argument(
        "--no-worker",
        action="store_true",
        help="only accept; do not create or push branches",
    )
    p.add_argument("--log-level", default="info")
    return p


def command(
    repo: str | Path, remote: str, port: int, spool: str | Path, *extra: str
) -> list[str]:
    """The command line that runs this service on 127.0.0.1 with this Python.

    One place for ``invoke intake`` and the tests that start the real service.
    """
    return [
        sys.executable,
        "-m",
        "intake.cli",
        "--repo",
        str(repo),
        "--remote",
        remote,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--spool",
        str(spool),
        *extra,
    ]


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    repo = args.repo.resolve()
    settings_file = args.settings or repo / "pelicanconf.py"
    values: dict[str, object] = {}
    if settings_file.is_file():
        sys.path.insert(0, str(settings_file.parent))
        values = load_settings_file(settings_file)
    spool = (args.spool or repo / ".intake" / "spool.sqlite3").resolve()
    try:
        settings = from_mapping(values, repo=repo, remote=args.remote, spool=spool)
        changes: dict[str, object] = {}
        if args.allow_origin:
            changes["allowed_origins"] = (*settings.allowed_origins, *args.allow_origin)
        if args.site_url is not None:
            changes["site_url"] = args.site_url
        if args.rate_address:
            changes["rate_address"] = RateLimit.parse(
                "--rate-address", args.rate_address
            )
        if args.rate_post:
            changes["rate_post"] = RateLimit.parse("--rate-post", args.rate_post)
        if args.pow is not None:
            changes["pow"] = args.pow
        if args.no_worker:
            changes["worker"] = False
        if os.environ.get("INTAKE_SECRET"):
            changes["secret"] = os.environ["INTAKE_SECRET"]
        settings = settings.with_overrides(**changes)
    except SettingsError as exc:
        print(f"comment-intake: {exc}", file=sys.stderr)
        return 2

    import uvicorn

    from .app import create_app

    app = create_app(settings)
    uvicorn.run(
        app,
        host=args.host,
        port=args.port,
        log_level=args.log_level.lower(),
        proxy_headers=settings.trust_proxy,
        server_header=False,
    )
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
