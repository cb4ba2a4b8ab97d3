"""Tasks for the Diskurs site: `invoke --list` shows them, `invoke --help <task>` explains one.

Every setting below can be overridden by an environment variable of the same
name in upper case with the DISKURS_ prefix (DISKURS_PORT=8080 invoke serve).
"""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import os
from pathlib import Path
import shlex
import shutil
import sys
import tempfile
from typing import Any
from zoneinfo import ZoneInfo

from invoke import Collection, Context, Exit, task

ROOT = Path(__file__).resolve().parent


def _setting(name: str, default: str) -> str:
    return os.environ.get(f"DISKURS_{name.upper()}", default)


CONFIG: dict[str, Any] = {
    "content": _setting("content", "content"),
    "settings_base": _setting("settings_base", "pelicanconf.py"),
    "settings_publish": _setting("settings_publish", "publishconf.py"),
    "output": _setting("output", "output"),
    "host": "127.0.0.1",  # the preview servers never listen beyond this machine
    "port": int(_setting("port", "8000")),
    # Publishing: "rsync" (over ssh) or "gh-pages" (a push of the output to a branch).
    "deploy": _setting("deploy", "rsync"),
    "ssh_target": _setting("ssh_target", ""),  # e.g. "www@example.org:/var/www/diskurs/"
    "ssh_port": _setting("ssh_port", "22"),
    "gh_pages_remote": _setting("gh_pages_remote", "origin"),
    "gh_pages_branch": _setting("gh_pages_branch", "gh-pages"),
}
PYTHON = shlex.quote(sys.executable)


def _pelican(c: Context, settings: str, output: str, *extra: str, content: str | None = None,
             warn: bool = False) -> Any:
    """Run Pelican in a child process, as `pelican` on the command line would.

    From the repository's folder, so the tasks work from any subfolder too.
    """
    cmd = [PYTHON, "-m", "pelican", shlex.quote(content or CONFIG["content"]),
           "-s", shlex.quote(settings), "-o", shlex.quote(output), *extra]
    with c.cd(str(ROOT)):
        return c.run(" ".join(cmd), warn=warn, pty=False)


def _remainder() -> str:
    """Arguments after `--` on the command line (`invoke test -- -k feeds`)."""
    try:
        from invoke.main import program

        return str(program.core.remainder or "")
    except (ImportError, AttributeError):
        return ""


@task
def build(c):
    """Build the site with pelicanconf.py (local settings) into output/."""
    _pelican(c, CONFIG["settings_base"], CONFIG["output"])


@task
def clean(c):
    """Remove the built site (output/) and Pelican's cache."""
    for folder in (CONFIG["output"], "cache"):
        shutil.rmtree(ROOT / folder, ignore_errors=True)


class _PreviewHandler(http.server.SimpleHTTPRequestHandler):
    """Serves the output folder; a missing page gets the site's own 404 page."""

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            super().send_error(code, message, explain)
            return
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


@task(help={"port": "port on 127.0.0.1 (default 8000)"})
def serve(c, port=CONFIG["port"]):
    """Build the site, then serve it on http://127.0.0.1:8000/ until Ctrl-C."""
    build(c)
    handler = functools.partial(_PreviewHandler, directory=str(ROOT / CONFIG["output"]))
    with http.server.ThreadingHTTPServer((CONFIG["host"], int(port)), handler) as server:
        print(f"Serving {CONFIG['output']}/ on http://{CONFIG['host']}:{port}/ (Ctrl-C stops)")
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            print("Stopped.")


@task(help={"port": "port on 127.0.0.1 (default 8000)"})
def livereload(c, port=CONFIG["port"]):
    """Serve on 127.0.0.1:8000, rebuild on changes to content, theme, plugins or settings, reload the browser."""
    from fastbuild.live import Rebuilder, instant_watcher, live_pages  # README "Performance"
    from livereload import Server

    # Changes arrive by inotify, not by polling; rebuilds fork a warm process and use the caches.
    # The watcher comes first: a save made during the first build is rebuilt too.
    watcher = instant_watcher(
        [ROOT / CONFIG["content"], ROOT / "theme", ROOT / "plugins", ROOT / CONFIG["settings_base"]])
    build(c)
    pages = live_pages(int(port))  # the script as a file (CSP); pages whose script connects late reload
    server = Server(watcher=watcher)
    rebuild_site = Rebuilder([CONFIG["content"], "-s", CONFIG["settings_base"], "-o", CONFIG["output"]],
                             [ROOT / "plugins"], ROOT)

    def rebuild(*_changed: object) -> None:  # the watcher passes the changed paths
        rebuild_site()
        pages.rebuilt()

    for pattern in (f"{CONFIG['content']}/**/*", "theme/**/*", "plugins/**/*.py",
                    "plugins/**/*.po", CONFIG["settings_base"]):
        server.watch(pattern, rebuild, delay=None)
    server.serve(host=CONFIG["host"], port=int(port), root=str(ROOT / CONFIG["output"]))


@task(help={"content": "content folder to check (default content/)"})
def check(c, content=CONFIG["content"]):
    """Strict build: exit non-zero and list every content problem as path:line: field: message."""
    with tempfile.TemporaryDirectory(prefix="diskurs-check-") as out:
        result = _pelican(c, CONFIG["settings_base"], out, "-e", "CONTENT_STRICT=true",
                          "--log-handler", "plain", content=content, warn=True)
    if result.exited != 0:
        raise Exit("check failed: see the problems listed above", code=result.exited or 1)
    print("check passed: no content problems")


#: Placeholder summary and text of a new post, by language.
NEW_POST_TEXT = {
    "de": ("Worum es geht, in einem Satz.", "Der Text des Beitrags."),
    "en": ("What this post is about, in one sentence.", "The text of the post."),
}


@task(
    help={
        "title": "the post's title, e.g. \"Grüße aus Köln\"",
        "lang": "language code (default: the site's, de)",
        "category": "category (default Allgemein)",
        "tags": "comma-separated tags",
        "author": "author (default: the site's AUTHOR)",
        "content": "content folder (default content/)",
    }
)
def new_post(c, title, lang="", category="Allgemein", tags="", author="", content=CONFIG["content"]):
    """Write content/posts/<slug>.md with the metadata header filled in (never overwrites)."""
    from sitekit.slugs import slugify

    site = _site_settings()
    slug = slugify(title)
    if not slug:
        raise Exit(f"cannot make a slug from {title!r}: use letters or digits", code=2)
    path = Path(content) / "posts" / f"{slug}.md"
    now = dt.datetime.now(ZoneInfo(str(site.get("TIMEZONE", "UTC"))))
    lang = lang or str(site.get("DEFAULT_LANG", "de"))
    summary, body = NEW_POST_TEXT.get(lang, NEW_POST_TEXT["en"])
    header = {
        "Title": " ".join(title.split()), "Date": now.strftime("%Y-%m-%d %H:%M"),
        "Author": author or str(site.get("AUTHOR", "")), "Category": category, "Tags": tags,
        "Lang": lang, "Slug": slug, "Summary": summary, "Status": "draft",
    }
    text = "".join(f"{k}: {v}\n" for k, v in header.items()) + f"\n{body}\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        with path.open("x", encoding="utf-8") as handle:
            handle.write(text)
    except FileExistsError:
        raise Exit(f"{path} exists already; choose another title or edit that file", code=1) from None
    print(f"Wrote {path} (Status: draft; remove that line to publish)")


def _site_settings() -> dict[str, Any]:
    from pelican.settings import read_settings

    return dict(read_settings(str(ROOT / CONFIG["settings_base"])))


@task(help={"dry_run": "build, then only print the deploy commands"})
def publish(c, dry_run=False):
    """Production build with publishconf.py, then rsync over ssh or push to gh-pages (see CONFIG)."""
    out = shlex.quote(str(ROOT / CONFIG["output"]))
    if CONFIG["deploy"] == "rsync":
        if not CONFIG["ssh_target"]:
            raise Exit("set DISKURS_SSH_TARGET=user@host:/path/ (or DISKURS_DEPLOY=gh-pages)", code=2)
        cmds = [f"rsync -avz --delete -e 'ssh -p {int(CONFIG['ssh_port'])}' {out}/ "
                f"{shlex.quote(CONFIG['ssh_target'])}"]
    elif CONFIG["deploy"] == "gh-pages":
        cmds = _gh_pages_commands(c, out)
    else:
        raise Exit(f"unknown DISKURS_DEPLOY {CONFIG['deploy']!r}: use rsync or gh-pages", code=2)
    _pelican(c, CONFIG["settings_publish"], CONFIG["output"], "--log-handler", "plain")
    for cmd in cmds:
        if dry_run:
            print(cmd)
        else:
            c.run(cmd, pty=False)


def _gh_pages_commands(c: Context, out: str) -> list[str]:
    """Commit the output as the only content of a fresh branch and force-push it."""
    name = CONFIG["gh_pages_remote"]  # a remote of this repository, or a URL or path
    found = c.run(f"git -C {shlex.quote(str(ROOT))} remote get-url {shlex.quote(name)}",
                  hide=True, warn=True)
    url = found.stdout.strip() if found.ok else name
    if not found.ok and ":" not in name and "/" not in name:
        raise Exit(f"no git remote {name!r} to push gh-pages to", code=2)
    git = f"git -C {out}"
    return [
        f"rm -rf {out}/.git", f"{git} init -q", f"touch {out}/.nojekyll",
        f"{git} add -A", f"{git} -c user.name=diskurs -c user.email=publish@localhost -c commit.gpgsign=false "
        f"commit -q -m 'Publish site'",
        f"{git} push -q --force {shlex.quote(url)} "
        f"HEAD:refs/heads/{shlex.quote(CONFIG['gh_pages_branch'])}",
        f"rm -rf {out}/.git",
    ]


def _npm_tools_stale() -> bool:
    """True when node_modules is missing or older than package.json or its lock."""
    marker = ROOT / "node_modules" / ".package-lock.json"
    if not marker.is_file():
        return True
    newest = max((ROOT / name).stat().st_mtime for name in ("package.json", "package-lock.json"))
    return marker.stat().st_mtime < newest


@task(help={"pytest_args": "arguments for pytest (or put them after --)"})
def test(c, pytest_args=""):
    """Install the npm test tools when needed (npm ci), then run every test with pytest."""
    with c.cd(str(ROOT)):
        if _npm_tools_stale():
            if shutil.which("npm"):
                # --ignore-scripts: vnu-jar's postinstall would try to download a JRE.
                c.run("npm ci --ignore-scripts --no-audit --no-fund", pty=False)
            else:
                print("npm not found: the HTML checker and Lighthouse tests will skip", file=sys.stderr)
        args = " ".join(a for a in (pytest_args, _remainder()) if a)
        result = c.run(f"{PYTHON} -m pytest {args}", warn=True, pty=False)
    if result.exited != 0:
        raise Exit(code=result.exited)


@task(help={"runs": "Lighthouse runs per page; the median is printed (default 1)"})
def lighthouse(c, runs=1):
    """Build the site and print Lighthouse's performance and accessibility scores."""
    with c.cd(str(ROOT)):
        if _npm_tools_stale():
            c.run("npm ci --ignore-scripts --no-audit --no-fund", pty=False)
        c.run(f"{PYTHON} tests/browser/lighthouse.py --runs {int(runs)}", pty=False)


@task(help={"posts": "posts of the synthetic site (default 1000)",
            "runs": "measured runs per side, after a warm-up (default 5)"})
def bench(c, posts=1000, runs=5):
    """Time our builds against plain Pelican (tests/bench/run.py; --posts 200 --runs 3 is quick)."""
    with c.cd(str(ROOT)):
        c.run(f"{PYTHON} tests/bench/run.py --posts {int(posts)} --runs {int(runs)} {_remainder()}",
              pty=False)


ns = Collection(build, clean, serve, livereload, check, new_post, publish, test, lighthouse, bench)


def _add_intake(namespace: Collection) -> None:
    """Add the moderation tasks of plugins/intake (as `comments.*`, plus `intake`)."""
    try:
        from intake import tasks as intake_tasks
    except Exception as exc:  # a broken optional part must not take `build` down
        print(f"tasks.py: comment moderation tasks unavailable ({exc})", file=sys.stderr)
        return
    comments_ns = getattr(intake_tasks, "ns", None)
    if isinstance(comments_ns, Collection):
        namespace.add_collection(comments_ns)
    top = getattr(intake_tasks, "intake", None)
    if top is None and isinstance(comments_ns, Collection):
        top = comments_ns.tasks.get("intake")
    if top is not None and hasattr(top, "body"):
        namespace.add_task(top, name="intake")


_add_intake(ns)

from importers.tasks import import_wordpress  # noqa: E402 - plugins/importers

ns.add_task(import_wordpress)
