"""The build benchmark (``invoke bench``): our builds against plain Pelican, paired.

Usage: ``python tests/bench/run.py [--posts 1000] [--comments 20] [--runs 5]``;
``--posts 200 --runs 3`` for a quick look. It prints one table: medians, the
ratio to the baseline of each scenario and the target from issue 6.

1. cold: our full build (empty caches) of N posts with M comments each, against
   plain Pelican (default theme and settings, no plugins) on the same posts
   without comments;
2. rebuild: one new comment file added, then the ordinary build
   (``pelican <content> -s pelicanconf.py``) over the previous output with the
   caches pelicanconf configures, against the same plain cold build;
3. thread: one post with one thread of 10,000 against 1,000 comments;
4. memory: the peak of (1) against plain Pelican, whole process tree.

Runs alternate (ours, plain, plain, ours, ...) after one warm-up each, so load
from other processes falls on both sides; medians are reported. A run's
previous output is moved aside, not deleted, and everything moved aside is
deleted when the bench ends (about 2.6 GB meanwhile at 1,000 posts;
``--delete-between`` deletes it before each run instead): on an ext4 without
a journal, as on the machines this was measured on, every new file's inode
search steps over the inodes freed in the last minute, and a build right
after deleting 5,000 files paid ~2 s of CPU in the kernel for the bench's own
clean-up, ours and plain Pelican's alike. Everything is built from a snapshot
of the working tree taken at the start, so an edit made meanwhile cannot
change the code halfway through.
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE))

from bench_measure import Measurement, run  # noqa: E402
from bench_sitegen import SiteSpec, generate, generate_single_thread, new_comment_file  # noqa: E402

PLAIN_SETTINGS = """\
# Plain Pelican: default theme and settings, no plugins (the baseline).
AUTHOR = "Katrin Albers"
SITENAME = "Bench"
TIMEZONE = "Europe/Berlin"
DEFAULT_LANG = "de"
ARTICLE_PATHS = ["posts"]
PAGE_PATHS = ["pages"]
PLUGINS = []
"""

TARGETS = {
    "cold": ("cold build, N posts + M comments/post vs plain Pelican", 1.0),
    "rebuild": ("rebuild after one new comment vs plain cold", 0.2),
    "thread": ("one thread: 10k vs 1k comments", 11.0),
    "memory": ("peak memory (PSS, whole tree) of cold vs plain", 1.5),
}


@dataclass
class Series:
    runs: list[Measurement] = field(default_factory=list)

    def median(self, attr: str) -> float:
        return statistics.median(getattr(m, attr) for m in self.runs)

    def spread(self, attr: str) -> str:
        values = sorted(getattr(m, attr) for m in self.runs)
        return f"{values[0]:.2f}-{values[-1]:.2f}"


def snapshot(dest: Path) -> Path:
    """Copy what a build runs (plugins, theme, settings): later edits do not count."""
    repo = dest / "repo"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "*.egg-info")
    shutil.copytree(ROOT / "plugins", repo / "plugins", ignore=ignore)
    shutil.copytree(ROOT / "theme", repo / "theme", ignore=ignore)
    shutil.copy2(ROOT / "pelicanconf.py", repo / "pelicanconf.py")
    # Byte-compiled as an installed package is (pip compiles what it installs,
    # so plain Pelican's modules load from .pyc): with PYTHONDONTWRITEBYTECODE
    # set, an uncompiled snapshot would compile every plugin module each build.
    compileall.compile_dir(repo / "plugins", quiet=1)
    return repo


class Bench:
    def __init__(
        self, work: Path, repo: Path, verbose: bool, delete_between: bool = False
    ) -> None:
        self.work = work
        self.repo = repo
        self.verbose = verbose
        self.delete_between = delete_between
        self.aside = work / "moved-aside"
        self._moved = 0
        self.env = {
            **os.environ,
            # The snapshot's plugins come before the editable install's.
            "PYTHONPATH": os.pathsep.join(
                [str(repo / "plugins"), os.environ.get("PYTHONPATH", "")]
            ),
            "PYTHONUTF8": "1",
        }
        self.python = sys.executable
        self.plain_conf = work / "plainconf.py"
        self.plain_conf.write_text(PLAIN_SETTINGS, encoding="utf-8")

    def _pelican(
        self,
        content: Path,
        conf: Path,
        out: Path,
        cache: Path | None = None,
        extra: list[str] | None = None,
    ) -> Measurement:
        cmd = [
            self.python,
            "-m",
            "pelican",
            str(content),
            "-s",
            str(conf),
            "-o",
            str(out),
            "--log-handler",
            "plain",
            "-q",
        ]
        if cache is not None:
            cmd += ["-e", f'CACHE_PATH="{cache}"']
        cmd += extra or []
        # Copying the previous output and caches leaves dirty pages; flush them
        # now, so their write-back does not land on the timed build.
        os.sync()
        m = run(cmd, cwd=conf.parent, env=self.env)
        if m.returncode != 0:
            raise SystemExit(
                f"build failed ({m.returncode}): {' '.join(cmd)}\n{m.output[-4000:]}"
            )
        if self.verbose:
            print(
                f"    {conf.name:16} {content.name:12} {m.wall:7.2f} s  "
                f"cpu {m.cpu:7.2f} s  "
                f"pss {m.peak_pss_mb:6.0f} MB",
                flush=True,
            )
        return m

    def fresh(self, name: str) -> Path:
        """An empty place for ``name``: what was there is moved aside (see above)."""
        path = self.work / name
        if self.delete_between:
            shutil.rmtree(path, ignore_errors=True)
        elif path.exists():
            self.aside.mkdir(exist_ok=True)
            target = self.aside / name
            while target.exists():  # a --workdir a stopped bench left
                self._moved += 1
                target = self.aside / f"{name}.{self._moved}"
            path.rename(target)
        return path

    def clear_aside(self) -> None:
        shutil.rmtree(self.aside, ignore_errors=True)

    # -- scenarios -----------------------------------------------------------
    def ours_cold(self, content: Path) -> Measurement:
        return self._pelican(
            content,
            self.repo / "pelicanconf.py",
            self.fresh("out-ours"),
            self.fresh("cache-ours"),
        )

    def plain_cold(self, content: Path) -> Measurement:
        return self._pelican(content, self.plain_conf, self.fresh("out-plain"))

    def prepare_rebuild(self, content: Path) -> tuple[Path, Path]:
        """The state a merge finds: the previous build's output and caches.

        Built where the rebuilds run (page stamps belong to an output folder),
        then kept aside and copied back before each run.
        """
        out, cache = self.fresh("out-rebuild"), self.fresh("cache-rebuild")
        self._pelican(content, self.repo / "pelicanconf.py", out, cache)
        base_out, base_cache = self.fresh("base-out"), self.fresh("base-cache")
        shutil.copytree(out, base_out)  # copy2 keeps modification times
        shutil.copytree(cache, base_cache)
        return base_out, base_cache

    def ours_rebuild(
        self, content: Path, base: tuple[Path, Path], n: int
    ) -> Measurement:
        out, cache = self.fresh("out-rebuild"), self.fresh("cache-rebuild")
        shutil.copytree(base[0], out)
        shutil.copytree(base[1], cache)
        slugs = sorted(p.name for p in (content / "comments").iterdir())
        slug = slugs[len(slugs) // 2]
        added = new_comment_file(content, slug, f"20300101T0900{n:02d}Z-bench")
        try:
            m = self._pelican(content, self.repo / "pelicanconf.py", out, cache)
            page = next(out.rglob(f"{slug}/index.html"))
            if "Ein neuer Kommentar" not in page.read_text(encoding="utf-8"):
                raise SystemExit(f"the rebuild did not show the new comment on {page}")
            stats = cache / "diskurs" / "last-build.json"
            if self.verbose and stats.exists():
                print(
                    "      " + " ".join(stats.read_text(encoding="utf-8").split())[:300]
                )
        finally:
            added.unlink()
        return m

    def paired(
        self, a: callable, b: callable, runs: int, warmup: int = 1
    ) -> tuple[Series, Series]:
        sa, sb = Series(), Series()
        for i in range(warmup + runs):
            order = (a, b) if i % 2 == 0 else (b, a)
            results = {}
            for fn in order:
                results[fn] = fn()
            if i >= warmup:
                sa.runs.append(results[a])
                sb.runs.append(results[b])
        return sa, sb


def table(rows: list[tuple[str, str, str, str, float, float]]) -> str:
    head = (
        f"{'scenario':58} {'ours':>16} {'baseline':>16} {'ratio':>7} {'target':>7}  ok"
    )
    lines = [head, "-" * len(head)]
    for name, ours, base, _unit, ratio, target in rows:
        ok = "yes" if ratio <= target else "NO"
        lines.append(
            f"{name:58} {ours:>16} {base:>16} {ratio:6.2f}x {target:6.2f}x  {ok}"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--posts", type=int, default=1000)
    parser.add_argument("--comments", type=int, default=20, help="comments per post")
    parser.add_argument(
        "--runs", type=int, default=5, help="measured runs per side (after a warm-up)"
    )
    parser.add_argument(
        "--thread", type=int, nargs=2, default=(1000, 10000), metavar=("SMALL", "LARGE")
    )
    parser.add_argument(
        "--only",
        default="cold,rebuild,thread",
        help="comma-separated scenarios: cold, rebuild, thread",
    )
    parser.add_argument(
        "--workdir", type=Path, help="keep sites and outputs here (default: a temp dir)"
    )
    parser.add_argument("--json", type=Path, help="also write the figures as JSON")
    parser.add_argument("-v", "--verbose", action="store_true", help="print every run")
    parser.add_argument(
        "--delete-between",
        action="store_true",
        help="delete a run's previous output right before it (the old method)",
    )
    args = parser.parse_args(argv)
    only = set(args.only.split(","))

    work = args.workdir or Path(tempfile.mkdtemp(prefix="diskurs-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    repo = (
        snapshot(work / "snapshot")
        if not (work / "snapshot").exists()
        else work / "snapshot" / "repo"
    )
    bench = Bench(work, repo, args.verbose, args.delete_between)
    started = time.perf_counter()
    print(
        f"# Diskurs build benchmark: {args.posts} posts x {args.comments} comments, "
        f"{args.runs} paired runs, {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.1f}",
        flush=True,
    )

    ours = generate(
        bench.fresh("site-ours"),
        SiteSpec(posts=args.posts, comments_per_post=args.comments),
    )
    plain = generate(
        bench.fresh("site-plain"), SiteSpec(posts=args.posts, with_comments=False)
    )
    rows = []
    figures: dict[str, object] = {
        "posts": args.posts,
        "comments_per_post": args.comments,
        "runs": args.runs,
    }

    if "cold" in only:
        print("cold builds ...", flush=True)
        o, p = bench.paired(
            lambda: bench.ours_cold(ours), lambda: bench.plain_cold(plain), args.runs
        )
        rows.append(
            (
                f"1. cold: {args.posts} posts, "
                f"{args.posts * args.comments} comments (wall)",
                f"{o.median('wall'):.2f} s",
                f"{p.median('wall'):.2f} s",
                "s",
                o.median("wall") / p.median("wall"),
                TARGETS["cold"][1],
            )
        )
        rows.append(
            (
                "   cold, CPU time of the whole tree (for reference)",
                f"{o.median('cpu'):.2f} s",
                f"{p.median('cpu'):.2f} s",
                "s",
                o.median("cpu") / p.median("cpu"),
                float("inf"),
            )
        )
        rows.append(
            (
                "4. peak memory of 1., PSS summed over the tree",
                f"{o.median('peak_pss_mb'):.0f} MB",
                f"{p.median('peak_pss_mb'):.0f} MB",
                "MB",
                o.median("peak_pss_mb") / p.median("peak_pss_mb"),
                TARGETS["memory"][1],
            )
        )
        rows.append(
            (
                "   peak memory, RSS summed (counts shared pages twice)",
                f"{o.median('peak_rss_mb'):.0f} MB",
                f"{p.median('peak_rss_mb'):.0f} MB",
                "MB",
                o.median("peak_rss_mb") / p.median("peak_rss_mb"),
                float("inf"),
            )
        )
        figures["cold"] = {
            "ours": [m.wall for m in o.runs],
            "plain": [m.wall for m in p.runs],
            "ours_cpu": [m.cpu for m in o.runs],
            "plain_cpu": [m.cpu for m in p.runs],
            "ours_pss": [m.peak_pss_mb for m in o.runs],
            "plain_pss": [m.peak_pss_mb for m in p.runs],
            "ours_rss": [m.peak_rss_mb for m in o.runs],
            "plain_rss": [m.peak_rss_mb for m in p.runs],
        }

    if "rebuild" in only:
        print("rebuild after one new comment ...", flush=True)
        base = bench.prepare_rebuild(ours)
        counter = iter(range(1000))
        r, p = bench.paired(
            lambda: bench.ours_rebuild(ours, base, next(counter)),
            lambda: bench.plain_cold(plain),
            args.runs,
        )
        rows.append(
            (
                "2. rebuild after one new comment file (wall)",
                f"{r.median('wall'):.2f} s",
                f"{p.median('wall'):.2f} s",
                "s",
                r.median("wall") / p.median("wall"),
                TARGETS["rebuild"][1],
            )
        )
        figures["rebuild"] = {
            "ours": [m.wall for m in r.runs],
            "plain": [m.wall for m in p.runs],
        }

    if "thread" in only:
        print("one long thread ...", flush=True)
        small = generate_single_thread(bench.fresh("site-thread-small"), args.thread[0])
        large = generate_single_thread(bench.fresh("site-thread-large"), args.thread[1])
        empty = generate_single_thread(bench.fresh("site-thread-empty"), 0)
        s, lg = bench.paired(
            lambda: bench.ours_cold(small), lambda: bench.ours_cold(large), args.runs
        )
        e = Series([bench.ours_cold(empty) for _ in range(max(1, args.runs // 2))])
        ratio = lg.median("wall") / s.median("wall")
        rows.append(
            (
                f"3. one thread: {args.thread[1]} vs {args.thread[0]} comments (wall)",
                f"{lg.median('wall'):.2f} s",
                f"{s.median('wall'):.2f} s",
                "s",
                ratio,
                TARGETS["thread"][1],
            )
        )
        marginal = (lg.median("wall") - e.median("wall")) / max(
            s.median("wall") - e.median("wall"), 1e-9
        )
        rows.append(
            (
                "   same, minus a build with an empty thread (marginal)",
                f"{lg.median('wall') - e.median('wall'):.2f} s",
                f"{s.median('wall') - e.median('wall'):.2f} s",
                "s",
                marginal,
                float("inf"),
            )
        )
        figures["thread"] = {
            "small": [m.wall for m in s.runs],
            "large": [m.wall for m in lg.runs],
            "empty": [m.wall for m in e.runs],
        }

    print()
    print(table(rows))
    print(
        f"\n(medians of {args.runs} paired runs after a warm-up; load average now "
        f"{os.getloadavg()[0]:.1f}; {time.perf_counter() - started:.0f} s in all; "
        f"work dir {work})"
    )
    if args.json:
        args.json.write_text(json.dumps(figures, indent=1), encoding="utf-8")
    bench.clear_aside()
    if not args.workdir:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
