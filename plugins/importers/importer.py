"""A WordPress export to the files of a Diskurs site: plan first, then write.

The plan is computed completely before anything touches the disk, so a dry
run shows exactly what a real run would do, and a real run twice in a row
writes nothing the second time. Only published items become published
posts; drafts, pending and scheduled items become drafts, and private or
password-protected ones stay behind unless asked for (a static site cannot
keep them private).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, tzinfo
from pathlib import Path

from sitekit.problems import Problem

from .convert import Media, convert_body
from .threads import ThreadOptions, comment_id, plan_thread, skip_reason
from .wordpress import WpItem, WpSite, plain, read_wxr, slug_of
from .writer import (
    CREATED,
    KEPT,
    OVERWRITTEN,
    Planned,
    Source,
    outcome,
    source_suffix,
    source_text,
    write,
)

#: WordPress statuses that become Pelican drafts (never published by accident).
DRAFT_STATUSES = ("draft", "pending", "future")
#: Item types we import, and the content folder each goes to.
_KINDS = {"post": "posts", "page": "pages"}


@dataclass(frozen=True, slots=True)
class Options:
    """Everything a run can be asked to do differently."""

    output: Path = Path("content")
    lang: str | None = None  # None: the export's <language>
    timezone: tzinfo = UTC  # for dates the export gives without a zone
    include_pingbacks: bool = False
    include_private: bool = False
    anonymous: str = "Anonym"
    overwrite: bool = False


@dataclass
class Report:
    """What an import did or would do: counts, notes, bad comments, file outcomes."""

    counts: Counter[str] = field(default_factory=Counter)
    notes: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    orphans: list[str] = field(default_factory=list)
    outcomes: list[tuple[str, str]] = field(default_factory=list)  # (outcome, path)
    remote_hosts: Counter[str] = field(default_factory=Counter)

    def lines(self) -> list[str]:
        """The human summary, one fact a line."""
        c = self.counts
        out = [
            *(
                f"{kind}s: {c[kind]} ({c[kind + ' published']} published, "
                f"{c[kind + ' draft']} drafts)"
                for kind in ("post", "page")
            ),
            f"  as Markdown: {c['markdown']}, kept as HTML: {c['html']}",
            f"comments: {c['comments']} imported on {c['threads']} posts and pages",
            "comments skipped: "
            + (
                ", ".join(f"{c['skip ' + k]} {k}" for k in self._skip_reasons())
                or "none"
            ),
            f"comments on items not imported (orphans): {c['orphaned comments']}",
            "items skipped: "
            + (
                ", ".join(
                    f"{n} {k[5:]}"
                    for k, n in sorted(c.items())
                    if k.startswith("item ") and n
                )
                or "none"
            ),
        ]
        if self.remote_hosts:
            # Built pages should make no request to another host: say which.
            hosts = ", ".join(f"{h} ({n})" for h, n in self.remote_hosts.most_common())
            out.append(
                f"images and embeds loading from other hosts: {c['remote media']} "
                f"({hosts}); copy the files into content/images and change the links"
            )
        written = Counter(o for o, _ in self.outcomes)
        out.append(
            "files: "
            + ", ".join(
                f"{written[k]} {k}" for k in (CREATED, OVERWRITTEN, "unchanged", KEPT)
            )
        )
        return out

    def _skip_reasons(self) -> list[str]:
        """Reasons comments stayed behind: the usual ones first, then any other."""
        found = [k[5:] for k, n in self.counts.items() if k.startswith("skip ") and n]
        return sorted(
            found,
            key=lambda k: (
                _SKIP_ORDER.index(k) if k in _SKIP_ORDER else len(_SKIP_ORDER),
                k,
            ),
        )


_SKIP_ORDER = (
    "unapproved",
    "spam",
    "trash",
    "pingback",
    "trackback",
    "duplicate",
    "invalid",
)


@dataclass(frozen=True, slots=True)
class Plan:
    """The files to write and the report to give."""

    files: tuple[Planned, ...]
    report: Report


def plan_import(
    site: WpSite, options: Options, existing: Mapping[str, str] | None = None
) -> Plan:
    """Decide every file and every count, touching nothing.

    ``existing`` maps the slugs of sources already in the content folder to
    their paths (see ``existing_slugs``): an item whose slug belongs to another
    file gets a suffix, so its comments never land in that post's thread.
    """
    report = Report()
    files: list[Planned] = []
    lang = _lang(options.lang if options.lang is not None else site.language)
    taken: set[str] = set()
    others = dict(existing or {})
    for item in site.items:
        status = _status(item, options, report)
        if status is None:
            _orphans(item, options, report)
            continue
        base = slug_of(item.name, plain(item.title)) or f"wp-{item.post_id}"
        slug = _unique(base, taken, others, _KINDS[item.post_type])
        if slug != base and base in others:
            report.notes.append(
                f"{_KINDS[item.post_type]}/{slug}: the slug {base!r} belongs to "
                f"{others[base]}; imported as {slug!r}"
            )
        files.extend(_plan_item(item, slug, status, lang, site, options, report))
    return Plan(tuple(files), report)


def _plan_item(
    item: WpItem,
    slug: str,
    status: str,
    lang: str,
    site: WpSite,
    options: Options,
    report: Report,
) -> list[Planned]:
    """The source file of one post or page, and the files of its thread."""
    kind = item.post_type
    where = f"{_KINDS[kind]}/{slug}"
    author_name, author_id = site.authors.get(item.creator, (item.creator, ""))
    thread = plan_thread(
        slug,
        item.comments,
        ThreadOptions(
            options.timezone, options.include_pingbacks, options.anonymous, author_id
        ),
    )
    for reason, n in thread.skipped.items():
        report.counts["skip " + reason] += n
    report.notes.extend(thread.notes)
    report.problems.extend(thread.problems)
    if thread.files:
        report.counts["threads"] += 1
        report.counts["comments"] += len(thread.files)

    body = convert_body(item.content)
    report.counts[body.markup] += 1
    _count_media(body.media, where, report)
    if body.markup == "html":
        report.notes.append(f"{where}: kept as HTML ({body.reason})")
    if body.shortcodes:
        report.notes.append(
            f"{where}: WordPress shortcodes left as text: {counts(body.shortcodes)}"
        )
    title = plain(item.title)
    if not title:
        title = slug.replace("-", " ").capitalize()
        report.notes.append(f"{where}: no title in the export; titled {title!r}")
    categories = [plain(c) for c in item.categories]
    source = Source(
        title=title,
        date=_date(item, options.timezone),
        author=plain(author_name) or item.creator,
        slug=slug,
        body=body.text,
        markup=body.markup,
        category=categories[0] if categories and kind == "post" else "",
        # Pelican has one category; the others are kept as tags, not lost.
        tags=_tags([*categories[1:], *item.tags]) if kind == "post" else (),
        lang=lang,
        status="draft" if status == "draft" else "",
        comments=_comments_mode(item, has_thread=bool(thread.files)),
        summary=plain(item.excerpt),
    )
    report.counts[kind] += 1
    report.counts[f"{kind} {status}"] += 1
    post = Planned(f"{where}{source_suffix(body.markup)}", source_text(source), kind)
    return [*thread.files, post]


def _count_media(media: Iterable[Media], where: str, report: Report) -> None:
    """Images and embeds that load from another host, and images without alt text."""
    for m in media:
        if m.host:
            report.counts["remote media"] += 1
            report.remote_hosts[m.host] += 1
    no_alt = sum(1 for m in media if m.tag == "img" and not (m.alt or "").strip())
    if no_alt:
        report.notes.append(
            f"{where}: {no_alt} image(s) without alt text (invoke check lists them; "
            "add a description, or leave alt empty only for decoration)"
        )


def _status(item: WpItem, options: Options, report: Report) -> str | None:
    """The status to write ("published" or "draft"), or None with the reason counted."""
    kind = item.post_type
    if kind not in _KINDS:
        report.counts[f"item {kind or 'untyped'}"] += 1
        return None
    private = item.status == "private" or bool(item.password)
    if private and not options.include_private:
        label = "password-protected" if item.password else "private"
        report.counts[f"item {label} {kind}"] += 1
        return None
    if item.status == "publish" and not private:
        return "published"
    if item.status in DRAFT_STATUSES or private:
        return "draft"
    report.counts[f"item {item.status or 'no-status'} {kind}"] += 1
    return None


def _orphans(item: WpItem, options: Options, report: Report) -> None:
    """Comments that would come along, but their post does not."""
    kept = []
    for c in item.comments:
        reason = skip_reason(c, include_pingbacks=options.include_pingbacks)
        if reason:
            report.counts["skip " + reason] += 1
        else:
            kept.append(c)
    if kept:
        report.counts["orphaned comments"] += len(kept)
        title = plain(item.title) or item.name or item.post_id
        report.orphans.append(
            f"{len(kept)} comment(s) on {item.post_type} {item.post_id} {title!r} "
            f"({item.status or 'no status'}): " + ", ".join(comment_id(c) for c in kept)
        )


def _unique(slug: str, taken: set[str], others: Mapping[str, str], folder: str) -> str:
    """The slug, or slug-2, slug-3 … when taken: one thread folder per item.

    A slug is taken by an earlier item of this import, or by a source already
    in the content folder under another name than ``<folder>/<slug>.*`` (under
    that name it is this item's own earlier import, Markdown or HTML).
    """

    def blocked(candidate: str) -> bool:
        where = others.get(candidate)
        mine = where is None or where.rsplit(".", 1)[0] == f"{folder}/{candidate}"
        return candidate in taken or not mine

    candidate, n = slug, 1
    while blocked(candidate):
        n += 1
        candidate = f"{slug}-{n}"
    taken.add(candidate)
    return candidate


_SLUG_HEADER = re.compile(r"^slug:\s*(.+?)\s*$", re.IGNORECASE | re.MULTILINE)
_SLUG_META = re.compile(
    r"<meta\s+name=[\"']slug[\"']\s+content=[\"']([^\"']+)", re.IGNORECASE
)


def existing_slugs(output: Path) -> dict[str, str]:
    """Slugs of the posts and pages already in a content folder, with their paths.

    Read the way Pelican reads them, roughly: a ``Slug:`` header or slug meta,
    else the file name. Good enough to avoid collisions, never used to parse.
    """
    slugs: dict[str, str] = {}
    for folder in _KINDS.values():
        root = output / folder
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix not in {".md", ".markdown", ".html", ".htm", ".rst"}:
                continue
            try:
                text = path.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            head = text.split("\n\n", 1)[0] if path.suffix != ".html" else text[:4000]
            found = _SLUG_HEADER.search(head) or _SLUG_META.search(head)
            slug = found.group(1) if found else path.stem
            slugs.setdefault(slug, path.relative_to(output).as_posix())
    return slugs


def _lang(value: str) -> str:
    """``en-US`` → ``en``: the site's languages are primary subtags."""
    primary = value.strip().replace("_", "-").split("-")[0].lower()
    return primary if re.fullmatch(r"[a-z]{2,3}", primary) else ""


def _date(item: WpItem, tz: tzinfo) -> datetime:
    date = item.date or datetime(1970, 1, 1, tzinfo=UTC)
    return date if date.tzinfo is not None else date.replace(tzinfo=tz)


def _tags(names: list[str]) -> tuple[str, ...]:
    """Tag names Pelican can read back: no commas (its separator), no duplicates."""
    out: dict[str, str] = {}
    for name in names:
        clean = " ".join(name.replace(",", " ").split())
        # "Template" and "template" are one tag to Pelican (one slug): keep the first.
        if clean:
            out.setdefault(clean.casefold(), clean)
    return tuple(out.values())


def _comments_mode(item: WpItem, *, has_thread: bool) -> str:
    """Our ``Comments:`` value from WordPress's comment_status.

    Posts are open by default here, pages off; a page with imported comments
    needs a value so its thread shows.
    """
    closed = item.comment_status != "open"
    if item.post_type == "post":
        return "closed" if closed else ""
    if has_thread:
        return "closed" if closed else "open"
    return ""


def run_import(wxr: Path, options: Options, *, dry_run: bool = False) -> Report:
    """Read, plan and (unless ``dry_run``) write; the report says what happened."""
    plan = plan_import(read_wxr(wxr), options, existing_slugs(options.output))
    for planned in plan.files:
        if dry_run:
            result = outcome(options.output, planned, overwrite=options.overwrite)
        else:
            result = write(options.output, planned, overwrite=options.overwrite)
        plan.report.outcomes.append((result, planned.path))
    return plan.report


def counts(names: Iterable[str]) -> str:
    """``embed, gallery (2)`` from a list of names."""
    return ", ".join(
        f"{name} ({n})" if n > 1 else name for name, n in sorted(Counter(names).items())
    )
