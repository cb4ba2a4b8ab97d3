"""The WordPress theme unit test export, imported for real into a temporary folder."""

from __future__ import annotations

import re
import sys
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from lxml import etree

sys.path.insert(0, str(Path(__file__).parent))
from comments.load import load_thread
from comments.thread import build_thread
from importers import Options, Report, run_import
from importers.cli import main
from wxr_samples import CORPUS, comment, export, item

BERLIN = ZoneInfo("Europe/Berlin")


@dataclass
class Imported:
    content: Path
    report: Report


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> Imported:
    content = tmp_path_factory.mktemp("wp") / "content"
    report = run_import(CORPUS, Options(output=content, timezone=BERLIN))
    return Imported(content, report)


def files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_counts(imported: Imported) -> None:
    c = imported.report.counts
    # 49 published posts, of which one is password-protected and stays behind;
    # the draft and the scheduled post are drafts.
    assert (c["post"], c["post published"], c["post draft"]) == (50, 48, 2)
    assert (c["page"], c["page published"]) == (21, 21)
    assert c["item password-protected post"] == 1
    assert c["item attachment"] == 38 and c["item nav_menu_item"] == 70
    # 32 comments: 24 imported, 3 unapproved, 2 pingbacks, 2 trackbacks, and
    # 1 approved comment on the password-protected post (an orphan).
    assert c["comments"] == 24
    assert (c["skip unapproved"], c["skip pingback"], c["skip trackback"]) == (3, 2, 2)
    assert c["orphaned comments"] == 1
    assert (
        c["comments"]
        + c["skip unapproved"]
        + c["skip pingback"]
        + c["skip trackback"]
        + c["orphaned comments"]
        == 32
    )
    assert imported.report.problems == []
    posts = list((imported.content / "posts").iterdir())
    pages = list((imported.content / "pages").iterdir())
    assert (len(posts), len(pages)) == (50, 21)
    drafts = [
        p.name
        for p in posts
        if re.search(
            r'^Status: draft$|name="status" content="draft"',
            p.read_text(encoding="utf-8"),
            re.M,
        )
    ]
    assert sorted(drafts) == ["draft.md", "scheduled.md"]
    yaml_files = list((imported.content / "comments").rglob("*.yaml"))
    assert len(yaml_files) == 24


def test_the_nine_deep_chain_threads_with_the_comment_model(imported: Imported) -> None:
    folder = imported.content / "comments" / "template-comments"
    loaded = load_thread(folder, BERLIN)
    assert loaded.problems == [] and loaded.broken == []
    thread, problems = build_thread(loaded.comments, depth=20)
    assert problems == []
    assert thread.count == 19
    chain = [
        "wp-904",
        "wp-905",
        "wp-906",
        "wp-907",
        "wp-910",
        "wp-911",
        "wp-912",
        "wp-913",
        "wp-914",
        "wp-915",
    ]
    node = next(n for n in thread.roots if n.comment.id == chain[0])
    for depth, cid in enumerate(chain, start=1):
        assert node.comment.id == cid and node.depth == depth
        if cid != chain[-1]:
            (node,) = node.replies
    assert node.replies == ()
    assert len(chain) - 1 == 9  # nine replies deep


def test_every_thread_loads_without_a_problem(imported: Imported) -> None:
    folders = sorted((imported.content / "comments").iterdir())
    assert [f.name for f in folders] == [
        "edge-case-no-content",
        "page-with-comments",
        "template-comments",
        "template-pingbacks-an-trackbacks",
    ]
    for folder in folders:
        loaded = load_thread(folder, BERLIN)
        _thread, problems = build_thread(loaded.comments, loaded.broken)
        assert loaded.problems == [] and problems == [], folder


def _private_values() -> set[str]:
    """Every e-mail address and IP address the corpus holds."""
    tree = etree.parse(
        str(CORPUS), etree.XMLParser(resolve_entities=False, no_network=True)
    )
    values = set()
    for el in tree.iter():
        tag = str(el.tag)
        if tag.endswith(("comment_author_email", "comment_author_IP", "author_email")):
            text = "".join(el.itertext()).strip()
            if text:
                values.add(text)
    return values


def test_no_email_or_ip_in_any_written_file(imported: Imported) -> None:
    secrets = _private_values()
    assert len(secrets) >= 8  # the corpus has e-mail addresses to leak
    for name, data in files(imported.content).items():
        text = data.decode("utf-8")
        for secret in secrets:
            assert secret not in text, f"{secret} in {name}"
    for path in (imported.content / "comments").rglob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"^(email|ip|author_email|author_IP):", text, re.M | re.I)


def test_greek_names_and_titles_are_intact(imported: Imported) -> None:
    names = set()
    for path in (imported.content / "comments").rglob("*.yaml"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("author: "):
                names.add(line[len("author: ") :].strip('"'))
    assert {
        "John Γιάννης Doe Κάποιος",
        "John Γιανης Doe Κάποιος",
        "John Κώστας Doe Τάδε",
        "John Μαρία Doe Ντουε",
    } <= names
    greek = (imported.content / "pages" / "greek.html").read_text(encoding="utf-8")
    assert 'content="Ελληνικά-Greek"' in greek
    assert (imported.content / "pages" / "επίπεδο-2.md").is_file()


def test_a_second_run_changes_nothing(imported: Imported) -> None:
    before = files(imported.content)
    stamps = {
        p: p.stat().st_mtime_ns for p in imported.content.rglob("*") if p.is_file()
    }
    report = run_import(CORPUS, Options(output=imported.content, timezone=BERLIN))
    assert {o for o, _ in report.outcomes} == {"unchanged"}
    assert files(imported.content) == before
    assert {
        p: p.stat().st_mtime_ns for p in imported.content.rglob("*") if p.is_file()
    } == stamps


def test_dry_run_writes_nothing_and_names_the_orphans(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "content"
    code = main([str(CORPUS), "--output", str(out), "--dry-run"])
    printed = capsys.readouterr().out
    assert code == 0
    assert not out.exists()
    assert "created  comments/template-comments/wp-915.yaml (dry run)" in printed
    assert "comments on items not imported (orphans): 1" in printed
    assert "post 1168 'Template: Password Protected" in printed and "wp-926" in printed
    assert "comments skipped: 3 unapproved, 2 pingback, 2 trackback" in printed


def test_pingbacks_and_private_items_on_request(tmp_path: Path) -> None:
    report = run_import(
        CORPUS, Options(output=tmp_path, include_pingbacks=True, include_private=True)
    )
    assert report.counts["comments"] == 24 + 4 + 1
    assert report.counts["orphaned comments"] == 0
    protected = (tmp_path / "posts" / "template-password-protected.md").read_text(
        encoding="utf-8"
    )
    assert "Status: draft" in protected


def test_a_bad_comment_is_reported_by_the_cli_and_the_rest_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wxr = tmp_path / "export.xml"
    wxr.write_bytes(export(item(1, comments=(comment(1, content=""), comment(2)))))
    code = main([str(wxr), "--output", str(tmp_path / "content")])
    printed = capsys.readouterr().out
    assert code == 1
    assert "comments/hallo-welt/wp-1.yaml:" in printed and ": body: " in printed
    assert (tmp_path / "content" / "comments" / "hallo-welt" / "wp-2.yaml").is_file()
    assert not (tmp_path / "content" / "comments" / "hallo-welt" / "wp-1.yaml").exists()


def test_a_refused_export_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wxr = tmp_path / "export.xml"
    wxr.write_bytes(export(item(1), prolog='<!DOCTYPE rss [<!ENTITY x "y">]>'))
    assert main([str(wxr), "--output", str(tmp_path / "content")]) == 2
    assert "DOCTYPE" in capsys.readouterr().err
    assert not (tmp_path / "content").exists()


def test_lang_comes_from_the_export_or_the_option(tmp_path: Path) -> None:
    wxr = tmp_path / "export.xml"
    wxr.write_bytes(export(item(1), language="de-DE"))
    run_import(wxr, Options(output=tmp_path / "a"))
    assert "Lang: de\n" in (tmp_path / "a" / "posts" / "hallo-welt.md").read_text(
        encoding="utf-8"
    )
    run_import(wxr, Options(output=tmp_path / "b", lang="en"))
    assert "Lang: en\n" in (tmp_path / "b" / "posts" / "hallo-welt.md").read_text(
        encoding="utf-8"
    )


def test_slug_collisions_get_a_suffix(tmp_path: Path) -> None:
    wxr = tmp_path / "export.xml"
    wxr.write_bytes(
        export(
            item(1, comments=(comment(1),)),
            item(2, post_type="page", comments=(comment(2),)),
        )
    )
    report = run_import(wxr, Options(output=tmp_path / "c"))
    assert sorted(p for _, p in report.outcomes) == [
        "comments/hallo-welt-2/wp-2.yaml",
        "comments/hallo-welt/wp-1.yaml",
        "pages/hallo-welt-2.md",
        "posts/hallo-welt.md",
    ]


def test_a_slug_of_an_existing_post_is_not_taken_over(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    mine = content / "posts" / "mein-text.md"
    mine.write_text("Title: Hallo\nSlug: hallo-welt\n\nMein eigener Text.\n", "utf-8")
    wxr = tmp_path / "export.xml"
    wxr.write_bytes(export(item(1, comments=(comment(1),))))
    report = run_import(wxr, Options(output=content))
    assert sorted(p for _, p in report.outcomes) == [
        "comments/hallo-welt-2/wp-1.yaml",
        "posts/hallo-welt-2.md",
    ]
    assert any("'hallo-welt' belongs to posts/mein-text.md" in n for n in report.notes)
    assert mine.read_text("utf-8").endswith("Mein eigener Text.\n")
    again = run_import(wxr, Options(output=content))
    assert sorted(again.outcomes) == [
        ("unchanged", "comments/hallo-welt-2/wp-1.yaml"),
        ("unchanged", "posts/hallo-welt-2.md"),
    ]


def test_images_from_other_hosts_and_missing_alt_text_are_reported(
    tmp_path: Path,
) -> None:
    body = (
        '<img src="https://cdn.example.net/a.jpg" alt="Hafen">\n\n'
        '<img src="//cdn.example.net/b.jpg" alt="">\n\n'
        '<img src="/wp-content/uploads/c.jpg">\n\n'
        '<iframe src="https://video.example.org/embed/1"></iframe>'
    )
    wxr = tmp_path / "export.xml"
    wxr.write_bytes(export(item(1, content=body)))
    report = run_import(wxr, Options(output=tmp_path / "c"))
    assert report.counts["remote media"] == 3
    assert report.remote_hosts == {"cdn.example.net": 2, "video.example.org": 1}
    assert "posts/hallo-welt: 2 image(s) without alt text" in " ".join(report.notes)
    assert any(
        "other hosts: 3 (cdn.example.net (2), video.example.org (1))" in line
        for line in report.lines()
    )


def test_other_comment_types_are_skipped_and_named(tmp_path: Path) -> None:
    wxr = tmp_path / "export.xml"
    wxr.write_bytes(export(item(1, comments=(comment(1), comment(2, kind="review")))))
    report = run_import(wxr, Options(output=tmp_path / "c"))
    assert report.counts["comments"] == 1
    assert "comments skipped: 1 type review" in report.lines()
