"""A seeded synthetic site for the build benchmark: posts, reading lists, comments.

The benchmark must measure a site shaped like a real one (headings, lists, a
code block, a pull-quote, reading keys, threads with replies in single and list
files), and two runs with one seed must write the same bytes, so that every
variant (ours, plain Pelican, rebuild) reads the very same posts.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

_SYLLABLES = (
    "ge",
    "spräch",
    "kom",
    "mu",
    "ni",
    "ka",
    "tion",
    "mo",
    "de",
    "ra",
    "ti",
    "on",
    "le",
    "ser",
    "brief",
    "an",
    "ver",
    "trau",
    "en",
    "netz",
    "werk",
    "öf",
    "fent",
    "lich",
    "keit",
    "schwarm",
    "si",
    "lo",
    "rück",
    "mel",
    "dung",
    "zu",
    "hö",
    "ren",
    "the",
    "ma",
    "bei",
    "trag",
    "re",
    "dak",
    "plan",
    "stil",
    "fra",
    "gen",
    "ant",
    "wort",
    "blick",
    "wech",
    "sel",
    "stim",
    "me",
    "ruhe",
    "kul",
    "tur",
    "über",
)
_SHORT = (
    "und",
    "die",
    "der",
    "das",
    "mit",
    "für",
    "auf",
    "nicht",
    "auch",
    "wie",
    "ein",
    "eine",
    "im",
    "zum",
    "aber",
    "oder",
    "wenn",
    "dass",
    "sich",
    "noch",
)
_NAMES = (
    "Jonas Brehm",
    "Ada Nowak",
    "Sami Yilmaz",
    "Lena Voss",
    "Theo Martens",
    "Mira Okafor",
    "Paul Albrecht",
    "Ines Kowalski",
    "Yusuf Demir",
    "Greta Lind",
    "Noah Berger",
    "Clara Weiß",
    "Elif Sahin",
    "Jan Petersen",
    "Rosa Hartmann",
)
_CATEGORIES = (
    "Kommunikation",
    "Moderation",
    "Werkzeuge",
    "Redaktion",
    "Netzkultur",
    "Gesellschaft",
    "Technik",
    "Notizen",
)
_KINDS = ("book", "article", "video", "podcast", "link")
_CODE = '''```python
def antworten(kommentar, tiefe=0):
    """Zeigt einen Kommentar und seine Antworten eingerückt."""
    print("  " * tiefe + kommentar.autor + ": " + kommentar.text)
    for antwort in kommentar.antworten:
        antworten(antwort, tiefe + 1)

for k in thread.wurzeln:
    antworten(k)
```'''


@dataclass(frozen=True, slots=True)
class SiteSpec:
    """What to generate; the seed fixes every word and every date."""

    posts: int = 1000
    comments_per_post: int = 20
    reply_share: float = 0.4
    list_file_share: float = 0.3
    seed: int = 20170503
    with_comments: bool = True
    words_per_post: int = 800
    reading_items: int = 60


class _Words:
    """A fixed vocabulary of German-looking words, drawn with one seeded RNG."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        vocab: set[str] = set()
        while len(vocab) < 1500:
            n = rng.choice((2, 2, 3, 3, 3, 4))
            vocab.add("".join(rng.choice(_SYLLABLES) for _ in range(n)))
        self.vocab = sorted(vocab)

    def word(self) -> str:
        if self.rng.random() < 0.35:
            return self.rng.choice(_SHORT)
        return self.rng.choice(self.vocab)

    def sentence(self, lo: int = 6, hi: int = 16) -> str:
        words = [self.word() for _ in range(self.rng.randint(lo, hi))]
        words[0] = words[0].capitalize()
        return " ".join(words) + self.rng.choice((".", ".", ".", "?", "!"))

    def paragraph(self, words: int) -> str:
        out: list[str] = []
        count = 0
        while count < words:
            s = self.sentence()
            out.append(s)
            count += s.count(" ") + 1
        return " ".join(out)

    def title(self) -> str:
        return " ".join(
            self.rng.choice(self.vocab).capitalize()
            for _ in range(self.rng.randint(2, 5))
        )


def _post_body(w: _Words, words: int) -> str:
    """About ``words`` words with headings, lists, a code block and a pull-quote."""
    rng = w.rng
    unit = max(words // 10, 10)
    parts = [
        w.paragraph(unit),
        f"## {w.title()}",
        w.paragraph(unit),
        w.paragraph(unit),
        "\n".join(f"- {w.sentence(3, 8)}" for _ in range(rng.randint(4, 6))),
        f"## {w.title()}",
        w.paragraph(unit),
        _CODE,
        w.paragraph(unit),
        f"> [!PULLQUOTE]\n> {w.sentence(8, 14)}\n> — {rng.choice(_NAMES)}",
        f"## {w.title()}",
        "\n".join(f"{i}. {w.sentence(3, 8)}" for i in range(1, rng.randint(4, 6))),
        w.paragraph(unit),
        f"Mehr dazu *{w.word()}* und **{w.word()}** sowie `{w.word()}`: "
        + w.paragraph(unit // 2),
        w.paragraph(unit),
    ]
    return "\n\n".join(parts) + "\n"


def _comment_body(w: _Words) -> str:
    rng = w.rng
    paras = [w.paragraph(rng.randint(15, 60)) for _ in range(rng.randint(1, 3))]
    roll = rng.random()
    if roll < 0.15:
        paras.append(
            f"Siehe [{w.word()}](https://example.org/{w.word()}) und *{w.word()}*."
        )
    elif roll < 0.25:
        paras.append("\n".join(f"- {w.sentence(3, 6)}" for _ in range(3)))
    elif roll < 0.3:
        paras.append(f"Mit `{w.word()}()` geht das **schneller**.")
    return "\n\n".join(paras)


def _yaml_block(text: str, indent: str) -> str:
    return "|\n" + "\n".join(
        f"{indent}{line}" if line else "" for line in text.split("\n")
    )


def _yaml_scalar(text: str) -> str:
    """Double-quoted YAML string (names may contain anything)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True, slots=True)
class GeneratedComment:
    id: str
    parent: str | None
    author: str
    date: datetime
    body: str
    website: str | None
    role: str | None

    def yaml_fields(self, indent: str, with_id: bool) -> list[str]:
        lines = []
        if with_id:
            lines.append(f"id: {self.id}")
        if self.parent:
            lines.append(f"parent: {self.parent}")
        lines.append(f"author: {_yaml_scalar(self.author)}")
        lines.append(f"date: {self.date.isoformat()}")
        if self.website:
            lines.append(f"website: {self.website}")
        if self.role:
            lines.append(f"role: {self.role}")
        lines.append("body: " + _yaml_block(self.body, indent + "  "))
        return lines


def make_thread(
    w: _Words, count: int, start: datetime, reply_share: float, prefix: str = "c"
) -> list[GeneratedComment]:
    """``count`` comments, about ``reply_share`` of them replies to earlier ones."""
    rng = w.rng
    out: list[GeneratedComment] = []
    when = start
    for i in range(count):
        when += timedelta(minutes=rng.randint(3, 600))
        parent = None
        if out and rng.random() < reply_share:
            # Prefer recent comments, as real discussions do; keeps chains plausible.
            parent = out[max(0, len(out) - 1 - int(rng.expovariate(0.2)))].id
        role = None
        roll = rng.random()
        if roll < 0.04:
            role = "author"
        elif roll < 0.05:
            role = "moderator"
        out.append(
            GeneratedComment(
                id=f"{prefix}{i:05d}-{when:%Y%m%dT%H%M}",
                parent=parent,
                author=rng.choice(_NAMES),
                date=when,
                body=_comment_body(w),
                website=f"https://example.org/{rng.choice(w.vocab)}"
                if rng.random() < 0.2
                else None,
                role=role,
            )
        )
    return out


def write_thread(
    folder: Path,
    comments: list[GeneratedComment],
    rng: random.Random,
    list_file_share: float,
) -> None:
    """Write a thread as a mix of one-comment files and list files."""
    folder.mkdir(parents=True, exist_ok=True)
    i = 0
    list_no = 0
    while i < len(comments):
        if rng.random() < list_file_share and i + 1 < len(comments):
            n = min(rng.randint(2, 5), len(comments) - i)
            chunk = comments[i : i + n]
            lines: list[str] = []
            for c in chunk:
                fields = c.yaml_fields("  ", with_id=True)
                lines.append("- " + fields[0])
                lines.extend(
                    "  " + f if not f.startswith(" ") else f for f in fields[1:]
                )
            list_no += 1
            (folder / f"liste-{list_no:04d}.yaml").write_text(
                "\n".join(lines) + "\n", encoding="utf-8"
            )
            i += n
        else:
            c = comments[i]
            (folder / f"{c.id}.yaml").write_text(
                "\n".join(c.yaml_fields("", with_id=False)) + "\n", encoding="utf-8"
            )
            i += 1


def _reading_lists(w: _Words, root: Path, items: int) -> None:
    """Two reading lists with ``items`` items in all (keys ``lese-<list>-<n>``)."""
    rng = w.rng
    folder = root / "reading"
    folder.mkdir(parents=True, exist_ok=True)
    for n, title in enumerate(("Grundlagen der Moderation", "Werkzeuge und Praxis")):
        lines = [f"title: {title}", f"description: {w.sentence()}", "items:"]
        for j in range(items // 2):
            key = f"lese-{n}-{j:03d}"
            lines += [
                f"  - key: {key}",
                f"    kind: {rng.choice(_KINDS)}",
                f"    title: {_yaml_scalar(w.title())}",
                f"    authors: [{_yaml_scalar(rng.choice(_NAMES))}]",
                f"    year: {rng.randint(1990, 2024)}",
                f"    url: https://example.org/lesen/{key}",
                f"    note: {_yaml_scalar(w.sentence())}",
            ]
        (folder / f"bench-liste-{n}.yaml").write_text(
            "\n".join(lines) + "\n", encoding="utf-8"
        )


def _pages(root: Path) -> None:
    pages = root / "pages"
    pages.mkdir(parents=True, exist_ok=True)
    for slug, title in (
        ("ueber", "Über dieses Blog"),
        ("impressum", "Impressum"),
        ("datenschutz", "Datenschutz"),
    ):
        (pages / f"{slug}.md").write_text(
            f"Title: {title}\nSlug: {slug}\n\nDiese Seite gehört zum Benchmark.\n",
            encoding="utf-8",
        )


def generate(root: Path, spec: SiteSpec) -> Path:
    """Write the content tree under ``root`` (posts/, pages/, reading/, comments/)."""
    rng = random.Random(spec.seed)  # noqa: S311 - a reproducible test site, not secrets
    w = _Words(rng)
    root.mkdir(parents=True, exist_ok=True)
    # Reading lists and comments draw from their own RNGs, so the posts are the
    # same bytes with or without them (the plain Pelican baseline reads no YAML).
    keys = [
        f"lese-{n}-{j:03d}" for n in range(2) for j in range(spec.reading_items // 2)
    ]
    if spec.with_comments:
        _reading_lists(_Words(random.Random(spec.seed + 2)), root, spec.reading_items)  # noqa: S311 - a reproducible test site, not secrets
    _pages(root)
    posts = root / "posts"
    posts.mkdir(parents=True, exist_ok=True)
    tags = [w.rng.choice(w.vocab) for _ in range(60)]
    base = datetime(2012, 1, 1, 8, 0, tzinfo=timezone(timedelta(hours=1)))
    crng = random.Random(spec.seed + 1)  # noqa: S311 - a reproducible test site, not secrets
    cw = _Words(crng)
    for i in range(spec.posts):
        date = base + timedelta(
            hours=int(i * 24 * 4000 / max(spec.posts, 1)), minutes=rng.randint(0, 59)
        )
        slug = f"beitrag-{i:05d}"
        title = w.title()
        meta = [
            f"Title: {title}",
            f"Date: {date:%Y-%m-%d %H:%M}",
            "Author: Katrin Albers",
            f"Category: {rng.choice(_CATEGORIES)}",
            "Tags: " + ", ".join(sorted(set(rng.sample(tags, rng.randint(1, 4))))),
            f"Slug: {slug}",
            "Reading: " + ", ".join(rng.sample(keys, 2)),
        ]
        body = _post_body(w, spec.words_per_post)
        (posts / f"{slug}.md").write_text(
            "\n".join(meta) + "\n\n" + body, encoding="utf-8"
        )
        if spec.with_comments and spec.comments_per_post:
            thread = make_thread(cw, spec.comments_per_post, date, spec.reply_share)
            write_thread(root / "comments" / slug, thread, crng, spec.list_file_share)
    return root


def generate_single_thread(root: Path, comments: int, seed: int = 7) -> Path:
    """One post with one thread of ``comments`` comments (the linearity case)."""
    generate(root, SiteSpec(posts=1, comments_per_post=0, seed=seed))
    rng = random.Random(seed + 2)  # noqa: S311 - a reproducible test site, not secrets
    w = _Words(rng)
    start = datetime(2012, 1, 2, 9, 0, tzinfo=timezone(timedelta(hours=1)))
    write_thread(
        root / "comments" / "beitrag-00000",
        make_thread(w, comments, start, 0.4),
        rng,
        0.3,
    )
    return root


def new_comment_file(
    root: Path, slug: str, stem: str, parent: str | None = None
) -> Path:
    """One more comment file, as the intake service writes it after a merge."""
    folder = root / "comments" / slug
    folder.mkdir(parents=True, exist_ok=True)
    lines = ["author: Neue Leserin", "date: 2030-01-01T10:00:00+01:00"]
    if parent:
        lines.append(f"parent: {parent}")
    lines.append(
        "body: |\n  Ein neuer Kommentar, gerade freigegeben.\n\n  Mit *zwei* Absätzen."
    )
    path = folder / f"{stem}.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
