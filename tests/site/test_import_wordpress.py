"""A site built from the imported WordPress corpus: nested threads on their pages.

The corpus is imported into a copy of the sample content (as a site owner
would) and built with the project's own pelicanconf.py, theme and plugins, in
a subprocess like a user's build, with the default display depth (5, as in
WordPress); and imported alone and built with depth 10, where the whole
nine-reply chain must nest element in element.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from bs4 import BeautifulSoup, Tag
from importers import Options, run_import
from lxml import etree
from support.site import SHARED, BuiltSite, build_site, copy_content

CORPUS = SHARED / "corpora" / "wordpress" / "themeunittestdata.wordpress.xml"
CHAIN = ["904", "905", "906", "907", "910", "911", "912", "913", "914", "915"]
#: Comments that must not appear: unapproved (1015-1017), trackbacks and
#: pingbacks (921-924), and the one on the password-protected post (926).
LEFT_OUT = ["1015", "1016", "1017", "921", "922", "923", "924", "926"]


@dataclass
class Imported:
    content: Path
    parents: dict[str, dict[str, str | None]]  # thread slug -> comment id -> parent id


def _read_parents(content: Path) -> dict[str, dict[str, str | None]]:
    from comments.load import load_thread

    out: dict[str, dict[str, str | None]] = {}
    for folder in sorted((content / "comments").iterdir()):
        loaded = load_thread(folder, ZoneInfo("Europe/Berlin"))
        assert loaded.problems == []
        out[folder.name] = {c.id: c.parent for c in loaded.comments}
    return out


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    content = tmp_path_factory.mktemp("wp-import") / "content"
    report = run_import(
        CORPUS, Options(output=content, timezone=ZoneInfo("Europe/Berlin"))
    )
    assert report.problems == []
    return Imported(content, _read_parents(content))


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> BuiltSite:
    """The import as a site owner runs it: into the existing content folder."""
    tmp = tmp_path_factory.mktemp("wp-site")
    content = copy_content(tmp)
    report = run_import(
        CORPUS, Options(output=content, timezone=ZoneInfo("Europe/Berlin"))
    )
    assert report.problems == []
    assert not [n for n in report.notes if "belongs to" in n]  # no slug collisions
    built = build_site(tmp, content=content)
    assert built.returncode == 0, built.log
    return built


@pytest.fixture(scope="module")
def deep_site(
    imported: Imported, tmp_path_factory: pytest.TempPathFactory
) -> BuiltSite:
    built = build_site(
        tmp_path_factory.mktemp("wp-site-deep"),
        content=imported.content,
        settings={"COMMENTS_DISPLAY_DEPTH": 10},
    )
    assert built.returncode == 0, built.log
    return built


def page_of(site: BuiltSite, slug: str) -> BeautifulSoup:
    """The one built page of a post or page, wherever the URL settings put it."""
    found = [
        p
        for p in site.output.rglob(f"{slug}/index.html")
        if "feeds" not in p.parts and "entwurf" not in p.parts
    ]
    assert len(found) == 1, found
    return site.page(str(found[0].relative_to(site.output)))


def comment_element(page: BeautifulSoup, cid: str) -> Tag:
    found = page.select(f"#comment-wp-{cid}")
    assert len(found) == 1, f"#comment-wp-{cid} appears {len(found)} times"
    return found[0]


def test_every_imported_comment_renders_once_on_its_page(
    site: BuiltSite, imported: Imported
) -> None:
    total = 0
    for slug, comments in imported.parents.items():
        page = page_of(site, slug)
        for cid in comments:
            comment_element(page, cid.removeprefix("wp-"))
            total += 1
        assert len(page.select('[id^="comment-wp-"]')) == len(comments)
    assert total == 24


def test_replies_nest_inside_their_parent_down_to_the_display_depth(
    site: BuiltSite, imported: Imported
) -> None:
    page = page_of(site, "template-comments")
    parents = imported.parents["template-comments"]
    for cid in CHAIN[1:5]:  # depths 2 to 5: nested element in element
        element = comment_element(page, cid)
        parent = comment_element(page, parents[f"wp-{cid}"].removeprefix("wp-"))  # type: ignore[union-attr]
        assert parent in element.parents
    for cid in CHAIN[5:]:  # deeper: shown at depth 5, naming the comment answered
        element = comment_element(page, cid)
        parent_id = parents[f"wp-{cid}"]
        assert element.select_one(f'a[href="#comment-{parent_id}"]') is not None
        assert comment_element(page, "907") in element.parents


def test_the_nine_deep_chain_nests_completely_at_depth_ten(
    deep_site: BuiltSite,
) -> None:
    page = page_of(deep_site, "template-comments")
    for parent_id, cid in pairwise(CHAIN):
        assert comment_element(page, parent_id) in comment_element(page, cid).parents
    innermost = comment_element(page, CHAIN[-1])
    assert (
        len(
            [
                p
                for p in innermost.parents
                if str(p.get("id", "")).startswith("comment-wp-")
            ]
        )
        == 9
    )


def test_skipped_comments_appear_nowhere(site: BuiltSite) -> None:
    for path in site.output.rglob("*"):
        if path.suffix in {".html", ".xml", ".json"}:
            text = path.read_text(encoding="utf-8")
            for cid in LEFT_OUT:
                assert f'comment-wp-{cid}"' not in text, (cid, path)


def test_no_email_or_ip_address_in_the_built_site(site: BuiltSite) -> None:
    tree = etree.parse(
        str(CORPUS), etree.XMLParser(resolve_entities=False, no_network=True)
    )
    secrets = {
        "".join(el.itertext()).strip()
        for el in tree.iter()
        if str(el.tag).endswith(("comment_author_email", "comment_author_IP"))
    } - {""}
    assert "example@example.org" in secrets
    for path in site.output.rglob("*"):
        if path.is_file() and path.suffix in {".html", ".xml", ".json", ".txt"}:
            text = path.read_text(encoding="utf-8")
            leaked = [s for s in secrets if s in text]
            assert not leaked, (path, leaked)


def test_greek_commenters_and_pages_render(site: BuiltSite) -> None:
    page = page_of(site, "template-comments")
    names = {a.get_text(" ", strip=True) for a in page.select(".comment-author")}
    assert {
        "John Γιάννης Doe Κάποιος",
        "John Μαρία Doe Ντουε",
        "John Κώστας Doe Τάδε",
    } <= names
    greek = page_of(site, "greek")
    assert greek.find("h1").get_text(strip=True) == "Ελληνικά-Greek"  # type: ignore[union-attr]


def test_comment_markup_is_sanitized_not_executed(site: BuiltSite) -> None:
    body = comment_element(page_of(site, "template-comments"), "881")
    assert body.find(["h1", "table", "img", "script", "iframe"]) is None
    assert "Header one" in body.get_text()


def test_titles_with_special_characters_read_back_exactly(site: BuiltSite) -> None:
    page = page_of(site, "title-with-special-characters")
    title = page.find("h1").get_text(strip=True)  # type: ignore[union-attr]
    assert (
        title
        == "Markup: Title With Special Characters ~`!@#$%^&*()-_=+{}[]/\\;:'\"?,.>"
    )


def test_comment_status_closed_keeps_the_thread_and_closes_it(site: BuiltSite) -> None:
    # WordPress's comment_status became `Comments: closed` on this post; the
    # open one (no header, the default) invites replies.
    closed = page_of(site, "template-pingbacks-an-trackbacks")
    comment_element(closed, "925")
    assert closed.select(".comments-closed") and not closed.select(".comment-reply")
    opened = page_of(site, "template-comments")
    assert not opened.select(".comments-closed") and opened.select(".comment-reply")


def test_the_build_reports_nothing_about_the_imported_threads(site: BuiltSite) -> None:
    # Pelican itself warns about decorative images (alt="") in the posts; the
    # comment threads must not add a single problem.
    assert not re.search(r"content/comments/", site.log), site.log


def test_the_sample_posts_still_build_beside_the_import(site: BuiltSite) -> None:
    checked = 0
    for source in sorted((site.content / "posts").glob("*.md")):
        text = source.read_text(encoding="utf-8")
        slug = re.search(r"^Slug:\s*(\S+)", text, re.M | re.I)
        if slug is None or re.search(
            r"^Status:\s*(draft|hidden|skip)", text, re.M | re.I
        ):
            continue
        assert list(site.output.rglob(f"{slug.group(1)}/index.html")), source.name
        checked += 1
    assert checked >= 1
