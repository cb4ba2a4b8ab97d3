"""Reading WXR: namespace from the file, dates with offsets, hostile XML refused."""

from __future__ import annotations

import http.server
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, timedelta
from pathlib import Path

import pytest
from lxml import etree

sys.path.insert(0, str(Path(__file__).parent))
from importers.wordpress import (
    WxrError,
    parse_wxr,
    read_wxr,
    safe_parser,
    slug_of,
    wp_date,
)
from wxr_samples import CORPUS, comment, export, item


@pytest.mark.parametrize(
    ("scheme", "version"), [("http", "1.1"), ("http", "1.2"), ("https", "1.2")]
)
def test_namespace_is_read_from_the_file(scheme: str, version: str) -> None:
    site = parse_wxr(
        export(item(1, comments=(comment(5),)), scheme=scheme, version=version)
    )
    assert site.namespace == f"{scheme}://wordpress.org/export/{version}/"
    assert [i.post_id for i in site.items] == ["1"]
    assert site.items[0].comments[0].comment_id == "5"
    assert site.authors == {"katrin": ("Katrin Albers", "7")}


def test_the_corpus_reads_completely() -> None:
    site = read_wxr(CORPUS)
    assert site.namespace == "https://wordpress.org/export/1.2/"
    kinds: dict[tuple[str, str], int] = {}
    for it in site.items:
        kinds[(it.post_type, it.status)] = kinds.get((it.post_type, it.status), 0) + 1
    assert kinds[("post", "publish")] == 49
    assert kinds[("post", "draft")] == 1
    assert kinds[("page", "publish")] == 21
    comments = [c for it in site.items for c in it.comments]
    assert len(comments) == 32
    assert sum(1 for c in comments if c.approved == "1") == 29
    assert sum(1 for c in comments if c.parent_id != "0") == 10
    assert {c.kind for c in comments} == {"comment", "pingback", "trackback"}


def test_comment_records_never_carry_email_or_ip() -> None:
    site = parse_wxr(
        export(
            item(1, comments=(comment(5, email="x@example.net", ip="198.51.100.9"),))
        )
    )
    record = site.items[0].comments[0]
    assert "x@example.net" not in repr(record)
    assert "198.51.100.9" not in repr(record)


def test_dates_keep_the_offset_wordpress_knew() -> None:
    summer = wp_date("2017-05-03 09:12:00", "2017-05-03 07:12:00")
    winter = wp_date("2017-01-03 09:12:00", "2017-01-03 08:12:00")
    assert summer is not None and summer.utcoffset() == timedelta(hours=2)
    assert winter is not None and winter.utcoffset() == timedelta(hours=1)
    # A draft has no GMT date: the local time comes back without a zone.
    draft = wp_date("2017-05-03 09:12:00", "0000-00-00 00:00:00")
    assert draft is not None and draft.tzinfo is None
    # A nonsense pair (30 hours apart) falls back to the GMT time.
    broken = wp_date("2017-05-04 15:00:00", "2017-05-03 09:00:00")
    assert broken is not None and broken.tzinfo == UTC and broken.hour == 9


def test_slugs_are_decoded_and_safe() -> None:
    assert slug_of("%ce%b5%cf%80%ce%af%cf%80%ce%b5%ce%b4%ce%bf-2", "x") == "επίπεδο-2"
    assert slug_of("", "Grüße aus Köln!") == "grüße-aus-köln"
    assert slug_of("../../etc/passwd", "x") == "etc-passwd"
    assert slug_of("", "???") == ""


def test_not_a_wordpress_export_is_an_error() -> None:
    with pytest.raises(WxrError, match="namespace"):
        parse_wxr(b"<rss><channel><item/></channel></rss>")
    with pytest.raises(WxrError, match="well-formed"):
        parse_wxr(b"<rss><channel>")


# --- hostile XML -----------------------------------------------------------

LAUGHS = """
<!DOCTYPE rss [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>"""


class _Recorder(http.server.BaseHTTPRequestHandler):
    hits: list[str]

    def do_GET(self) -> None:
        self.hits.append(self.path)
        body = b'<!ENTITY leak "FETCHED-OVER-THE-NETWORK">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@contextmanager
def recording_server() -> Iterator[tuple[str, list[str]]]:
    """A loopback server that counts requests; it answers at most 20, for 10 s."""
    hits: list[str] = []
    handler = type("Handler", (_Recorder,), {"hits": hits})
    server = http.server.HTTPServer(("127.0.0.1", 0), handler)
    server.timeout = 0.1
    stop = threading.Event()
    deadline = time.monotonic() + 10

    def loop() -> None:
        while not stop.is_set() and time.monotonic() < deadline and len(hits) < 20:
            server.handle_request()

    thread = threading.Thread(target=loop, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", hits
    finally:
        stop.set()
        thread.join(timeout=5)
        server.server_close()


def test_entity_bomb_is_refused_quickly() -> None:
    body = "&lol9;"
    data = export(item(1, content="x", comments=()), prolog=LAUGHS).replace(
        b"<title>Testblog</title>", f"<title>{body}</title>".encode()
    )
    start = time.monotonic()
    with pytest.raises(WxrError, match="DOCTYPE"):
        parse_wxr(data)
    assert time.monotonic() - start < 2


def test_external_entities_are_neither_read_nor_fetched(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-FILE-CONTENT", encoding="utf-8")
    with recording_server() as (base, hits):
        prolog = f"""
<!DOCTYPE rss SYSTEM "{base}/wxr.dtd" [
  <!ENTITY file SYSTEM "{secret.as_uri()}">
  <!ENTITY net SYSTEM "{base}/entity">
  <!ENTITY % remote SYSTEM "{base}/param.dtd">
  %remote;
]>"""
        data = export(item(1, title="&file;&net;&leak;"), prolog=prolog)
        with pytest.raises(WxrError, match="DOCTYPE"):
            parse_wxr(data)
        # The parser itself, refusal aside, expands and fetches nothing either.
        root = etree.fromstring(data, safe_parser())
        text = etree.tostring(root, encoding="unicode")
        time.sleep(0.3)  # give a (wrong) request time to arrive
    assert hits == []
    assert "TOP-SECRET-FILE-CONTENT" not in text
    assert "FETCHED-OVER-THE-NETWORK" not in text


def test_internal_entities_are_not_expanded_by_the_parser() -> None:
    data = b'<!DOCTYPE r [<!ENTITY x "EXPANDED">]><r>&x;</r>'
    root = etree.fromstring(data, safe_parser())
    assert "EXPANDED" not in "".join(root.itertext())
