"""The discussions of the sample site, checked in the built HTML.

Expectations come from the YAML files themselves (read here with PyYAML, not
with the comment model), so a change to the sample threads cannot leave a test
that checks the model against itself.
"""

from __future__ import annotations

import json
from collections import Counter
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from bs4 import BeautifulSoup, Tag
from support.site import ROOT, BuiltSite

THREADS = ROOT / "content" / "comments"
FLAGSHIP = "2017/social-media-im-silo/"
FLAGSHIP_EN = "en/2017/social-media-im-silo/"
OPEN_POST = "2024/kommentare-per-pull-request/"
CLOSED_POST = "2018/redaktionsplan-ohne-stress/"
OFF_POST = "en/2024/notes-from-a-small-conference/"
STYLEGUIDE = "styleguide/"
DEPTH = 5


def written(slug: str) -> dict[str, dict[str, Any]]:
    """The comments of a thread folder as written: id → fields (strings)."""
    out: dict[str, dict[str, Any]] = {}
    for path in sorted((THREADS / slug).glob("*.y*ml")):
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)  # noqa: S506 - BaseLoader makes only strings
        for item in data if isinstance(data, list) else [data]:
            out[item.get("id", path.stem)] = item
    return out


def depth_of(cid: str, comments: dict[str, dict[str, Any]]) -> int:
    depth, parent = 1, comments[cid].get("parent")
    while parent:
        depth, parent = depth + 1, comments[parent].get("parent")
    return depth


def element(soup: BeautifulSoup, cid: str) -> Tag:
    found = soup.find_all(id=f"comment-{cid}")
    assert len(found) == 1, cid
    return found[0]


def container(tag: Tag) -> Tag | None:
    """The comment element that holds this one, if any."""
    return tag.find_parent("li", class_="comment")


def body(tag: Tag) -> Tag:
    own = tag.find(["article", "div"], class_="comment-body", recursive=False)
    assert own is not None
    return own


def jsonld(soup: BeautifulSoup) -> list[dict[str, Any]]:
    return [
        json.loads(s.string or "")
        for s in soup.find_all("script", type="application/ld+json")
    ]


@pytest.mark.parametrize(
    ("slug", "page"),
    [
        ("social-media-im-silo", FLAGSHIP),
        ("social-media-im-silo", FLAGSHIP_EN),
        ("kommentare-per-pull-request", OPEN_POST),
        ("redaktionsplan-ohne-stress", CLOSED_POST),
        ("styleguide", STYLEGUIDE),
    ],
)
def test_replies_nest_inside_their_parent_down_to_the_display_depth(
    sample_site: BuiltSite, slug: str, page: str
) -> None:
    comments = written(slug)
    soup = sample_site.page(page)
    assert {t["id"][len("comment-") :] for t in soup.select("li.comment")} == set(
        comments
    )
    for cid, fields in comments.items():
        tag = element(soup, cid)
        parent = fields.get("parent")
        if parent is None:
            assert container(tag) is None, cid
            assert tag.find_parent("ol").find_parent("section")["id"] == "comments"
        elif depth_of(parent, comments) < DEPTH:
            assert container(tag) is element(soup, parent), cid
            assert not body(tag).select(".comment-in-reply-to")
        else:
            # Below the display depth: beside the parent, linking to it.
            assert container(tag) is container(element(soup, parent)), cid
            links = body(tag).select(".comment-in-reply-to a")
            assert [a["href"] for a in links] == [f"#comment-{parent}"], cid


def test_the_flagship_thread_reads_as_written(sample_site: BuiltSite) -> None:
    soup = sample_site.page(FLAGSHIP)
    chain = [
        "20170503T071200Z-k3f9",
        "20170503T094000Z-m2xa",
        "20170503T110500Z-q7td",
        "20170503T132000Z-b4we",
        "20170504T064700Z-x1pc",
    ]
    for outer, inner in pairwise(chain):
        assert element(soup, outer).find(id=f"comment-{inner}") is not None
    flattened = element(soup, "20170504T080200Z-r9kd")
    assert "depth-5" in flattened["class"] and "comment-flattened" in flattened["class"]
    link = flattened.select_one(".comment-in-reply-to a")
    assert link is not None and link.get_text(strip=True) == "Antwort auf Jonas Brehm"
    # The English translation shares the thread, with English words.
    en = sample_site.page(FLAGSHIP_EN)
    assert en.select_one("#comments-title").get_text(strip=True) == "11 comments"
    en_link = element(en, "20170504T080200Z-r9kd").select_one(".comment-in-reply-to a")
    assert en_link.get_text(strip=True) == "in reply to Jonas Brehm"


@pytest.mark.parametrize(
    "slug,page", [("social-media-im-silo", FLAGSHIP), ("styleguide", STYLEGUIDE)]
)
def test_siblings_oldest_first(sample_site: BuiltSite, slug: str, page: str) -> None:
    soup = sample_site.page(page)
    for ol in soup.select("#comments ol.comment-list"):
        items = ol.find_all("li", class_="comment", recursive=False)
        times = [li.find("time")["datetime"] for li in items if li.find("time")]
        assert times == sorted(times), [li["id"] for li in items]
    top = [
        li["id"]
        for li in soup.select_one("#comments > ol").find_all("li", recursive=False)
    ]
    if slug == "social-media-im-silo":
        assert top == [
            "comment-20170503T071200Z-k3f9",
            "comment-nowak-1",
            "comment-kern-1",
        ]


def test_dates_are_local_with_a_machine_readable_twin(sample_site: BuiltSite) -> None:
    first = element(sample_site.page(FLAGSHIP), "20170503T071200Z-k3f9").find("time")
    # Written as 07:12 UTC; the site's zone is Europe/Berlin (summer time).
    assert first["datetime"] == "2017-05-03T09:12:00+02:00"
    assert first.get_text(strip=True) == "3. Mai 2017 um 09:12 Uhr"
    en = element(sample_site.page(FLAGSHIP_EN), "20170503T071200Z-k3f9").find("time")
    assert en.get_text(strip=True) == "May 3, 2017 at 9:12 AM"


@pytest.mark.parametrize(
    ("page", "de"),
    [(FLAGSHIP, True), (FLAGSHIP_EN, False), (STYLEGUIDE, True), (OPEN_POST, True)],
)
def test_badges_and_role_classes_only_where_set(
    sample_site: BuiltSite, page: str, de: bool
) -> None:
    slug = Path(page.rstrip("/")).name
    comments = written(slug)
    soup = sample_site.page(page)
    labels = (
        {"author": "Autor:in", "moderator": "Moderation"}
        if de
        else {"author": "Author", "moderator": "Moderator"}
    )
    roles = Counter()
    for cid, fields in comments.items():
        tag = element(soup, cid)
        role = fields.get("role")
        classes = [c for c in tag["class"] if c.startswith("role-")]
        badges = [b.get_text(strip=True) for b in body(tag).select(".comment-badge")]
        if role is None or fields.get("status") == "removed":
            assert classes == [] or fields.get("status") == "removed", cid
            assert badges == [], cid
        else:
            assert classes == [f"role-{role}"], cid
            assert badges == [labels[role]], cid
            roles[role] += 1
    if slug in ("social-media-im-silo", "styleguide"):
        assert roles["author"] and roles["moderator"]


def test_every_comment_shows_author_date_body_permalink(sample_site: BuiltSite) -> None:
    comments = written("social-media-im-silo")
    soup = sample_site.page(FLAGSHIP)
    for cid, fields in comments.items():
        own = body(element(soup, cid))
        assert "h-cite" in own["class"] and "p-comment" in own["class"]
        author = own.select_one(".comment-author .p-author")
        assert author is not None and "h-card" in author["class"]
        assert author.get_text(strip=True) == fields["author"]
        if "website" in fields:
            assert author.name == "a" and author["href"] == fields["website"]
            assert set(author["rel"]) == {"nofollow", "ugc", "noopener"}
        else:
            assert author.name != "a"
        permalink = own.select_one("a.u-url")
        assert permalink["href"] == f"#comment-{cid}"
        assert permalink.find("time", class_="dt-published") is not None
        content = own.select_one(".comment-content.e-content")
        first_words = " ".join(fields["body"].split()[:3]).lstrip("> ")
        assert first_words.split()[0] in content.get_text(), cid
        svg = own.select_one("svg.comment-avatar")
        assert svg is not None and svg["aria-hidden"] == "true"


def test_anchors_are_unique_on_every_page(sample_site: BuiltSite) -> None:
    for path in sample_site.html_files():
        soup = sample_site.page(path.relative_to(sample_site.output).as_posix())
        ids = Counter(t["id"] for t in soup.find_all(id=True))
        assert [i for i, n in ids.items() if n > 1] == [], path


def test_counts_in_heading_home_and_archive(sample_site: BuiltSite) -> None:
    counts = {
        FLAGSHIP: sum(
            1
            for f in written("social-media-im-silo").values()
            if f.get("status") != "removed"
        ),
        OPEN_POST: len(written("kommentare-per-pull-request")),
        CLOSED_POST: len(written("redaktionsplan-ohne-stress")),
    }
    assert counts == {FLAGSHIP: 11, OPEN_POST: 5, CLOSED_POST: 3}
    for page, n in counts.items():
        heading = sample_site.page(page).select_one("#comments-title")
        assert heading.get_text(strip=True) == f"{n} Kommentare"
        assert heading.find_parent("section")["aria-labelledby"] == "comments-title"
    styleguide = sample_site.page(STYLEGUIDE).select_one("#comments-title")
    assert (
        styleguide.get_text(strip=True) == "7 Kommentare"
    )  # the removed one is not counted
    for listing in ("", "archiv/"):
        soup = sample_site.page(listing)
        for page, n in counts.items():
            link = soup.find(
                "a",
                href=lambda h, p=page: (
                    bool(h) and h.rstrip("/").endswith(p.rstrip("/"))
                ),
            )
            assert link is not None, (listing, page)
            entry = link.find_parent(["article", "li"])
            count = entry.select_one(".comment-count")
            assert (
                count is not None and count.get_text(strip=True) == f"{n} Kommentare"
            ), (listing, page)


def test_open_closed_and_off(sample_site: BuiltSite) -> None:
    open_page = sample_site.page(OPEN_POST)
    replies = open_page.select("#comments a.comment-reply")
    assert len(replies) == 5
    for a in replies:
        assert a["href"] == "#comment-form"
        assert (
            a.find_parent("li", class_="comment")["id"]
            == f"comment-{a['data-reply-to']}"
        )
        assert a["aria-label"].endswith("antworten")
    assert not open_page.select(".comments-closed")

    closed = sample_site.page(CLOSED_POST)
    assert len(closed.select("#comments li.comment")) == 3
    assert (
        not closed.select("a.comment-reply") and closed.find(id="comment-form") is None
    )
    assert closed.select_one(".comments-closed") is not None

    off = sample_site.page(OFF_POST)
    assert off.find(id="comments") is None and not off.select(".comment-count")
    home_entry = sample_site.page("").find(
        "a", href=lambda h: bool(h) and "notes-from-a-small-conference" in h
    )
    assert not home_entry.find_parent("article").select(".comment-count")

    # Pages default to off; the style guide opts in with `Comments: closed`.
    assert sample_site.page("impressum/").find(id="comments") is None
    assert not sample_site.page(STYLEGUIDE).select("a.comment-reply")


def test_a_removed_comment_keeps_its_place_and_its_reply(
    sample_site: BuiltSite,
) -> None:
    soup = sample_site.page(STYLEGUIDE)
    removed = element(soup, "muster-entfernt")
    assert "comment-removed" in removed["class"]
    assert body(removed).get_text(strip=True) == "Kommentar entfernt"
    assert "Dieser Text erscheint nirgends" not in str(soup)
    assert "Leser ohne Namen" not in str(soup)
    assert container(element(soup, "muster-7")) is removed


def test_jsonld_comment_tree_matches_the_thread(sample_site: BuiltSite) -> None:
    comments = written("social-media-im-silo")
    (posting,) = [
        d for d in jsonld(sample_site.page(FLAGSHIP)) if d.get("@type") == "BlogPosting"
    ]
    assert posting["commentCount"] == 11
    seen: dict[str, str | None] = {}

    def walk(objects: list[dict[str, Any]], parent: str | None) -> None:
        for obj in objects:
            assert obj["@type"] == "Comment"
            cid = obj["url"].rsplit("#comment-", 1)[1]
            answered = (
                obj.get("parentItem", {})
                .get("@id", "#comment-" + str(parent))
                .rsplit("#comment-", 1)[1]
            )
            seen[cid] = None if answered == "None" else answered
            fields = comments[cid]
            assert obj["author"]["name"] == fields["author"]
            assert obj["author"].get("url") == fields.get("website")
            assert obj["dateCreated"][:10] == fields["date"][:10]
            assert obj["text"] and "<" not in obj["text"]
            walk(obj.get("comment", []), cid)

    walk(posting["comment"], None)
    assert seen == {cid: f.get("parent") for cid, f in comments.items()}


def test_the_sample_site_has_no_comment_problems(sample_site: BuiltSite) -> None:
    assert "content/comments" not in sample_site.log, sample_site.log
