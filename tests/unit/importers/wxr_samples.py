"""Small WordPress exports written in the tests, next to the real corpus."""

from __future__ import annotations

from pathlib import Path
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[3]
CORPUS = (
    ROOT.parent / "shared" / "corpora" / "wordpress" / "themeunittestdata.wordpress.xml"
)


def comment(
    cid: int,
    *,
    parent: int = 0,
    author: str = "Ada Nowak",
    email: str = "ada@example.net",
    ip: str = "203.0.113.77",
    url: str = "",
    date_gmt: str = "2017-05-03 07:12:00",
    content: str = "Danke für den Text.",
    approved: str = "1",
    kind: str = "",
    user_id: int = 0,
) -> str:
    return f"""
    <wp:comment>
      <wp:comment_id>{cid}</wp:comment_id>
      <wp:comment_author><![CDATA[{author}]]></wp:comment_author>
      <wp:comment_author_email><![CDATA[{email}]]></wp:comment_author_email>
      <wp:comment_author_url>{escape(url)}</wp:comment_author_url>
      <wp:comment_author_IP><![CDATA[{ip}]]></wp:comment_author_IP>
      <wp:comment_date><![CDATA[2017-05-03 09:12:00]]></wp:comment_date>
      <wp:comment_date_gmt><![CDATA[{date_gmt}]]></wp:comment_date_gmt>
      <wp:comment_content><![CDATA[{content}]]></wp:comment_content>
      <wp:comment_approved><![CDATA[{approved}]]></wp:comment_approved>
      <wp:comment_type><![CDATA[{kind}]]></wp:comment_type>
      <wp:comment_parent>{parent}</wp:comment_parent>
      <wp:comment_user_id>{user_id}</wp:comment_user_id>
    </wp:comment>"""


def item(
    post_id: int,
    *,
    title: str = "Hallo Welt",
    name: str = "hallo-welt",
    post_type: str = "post",
    status: str = "publish",
    content: str = "Erster Absatz.\n\nZweiter Absatz.",
    date: str = "2017-05-02 10:00:00",
    date_gmt: str = "2017-05-02 08:00:00",
    creator: str = "katrin",
    password: str = "",
    comment_status: str = "open",
    categories: tuple[str, ...] = ("Allgemein",),
    tags: tuple[str, ...] = (),
    comments: tuple[str, ...] = (),
) -> str:
    terms = "".join(
        f'<category domain="category" nicename="c"><![CDATA[{c}]]></category>'
        for c in categories
    ) + "".join(
        f'<category domain="post_tag" nicename="t"><![CDATA[{t}]]></category>'
        for t in tags
    )
    return f"""
  <item>
    <title>{escape(title)}</title>
    <link>https://blog.example.net/?p={post_id}</link>
    <dc:creator><![CDATA[{creator}]]></dc:creator>
    <content:encoded><![CDATA[{content}]]></content:encoded>
    <excerpt:encoded><![CDATA[]]></excerpt:encoded>
    <wp:post_id>{post_id}</wp:post_id>
    <wp:post_date><![CDATA[{date}]]></wp:post_date>
    <wp:post_date_gmt><![CDATA[{date_gmt}]]></wp:post_date_gmt>
    <wp:comment_status><![CDATA[{comment_status}]]></wp:comment_status>
    <wp:post_name><![CDATA[{name}]]></wp:post_name>
    <wp:status><![CDATA[{status}]]></wp:status>
    <wp:post_type><![CDATA[{post_type}]]></wp:post_type>
    <wp:post_password><![CDATA[{password}]]></wp:post_password>
    {terms}{"".join(comments)}
  </item>"""


def export(
    *items: str,
    version: str = "1.2",
    scheme: str = "http",
    language: str = "de-DE",
    prolog: str = "",
) -> bytes:
    """A complete WXR document around the items (self-hosted style: http://)."""
    ns = f"{scheme}://wordpress.org/export/{version}/"
    return f"""<?xml version="1.0" encoding="UTF-8"?>{prolog}
<rss version="2.0" xmlns:excerpt="{ns}excerpt/" xmlns:content="http://purl.org/rss/1.0/modules/content/"
     xmlns:wfw="http://wellformedweb.org/CommentAPI/" xmlns:dc="http://purl.org/dc/elements/1.1/"
     xmlns:wp="{ns}">
<channel>
  <title>Testblog</title>
  <link>https://blog.example.net</link>
  <language>{language}</language>
  <wp:wxr_version>{version}</wp:wxr_version>
  <wp:author>
    <wp:author_id>7</wp:author_id>
    <wp:author_login><![CDATA[katrin]]></wp:author_login>
    <wp:author_email><![CDATA[katrin@example.net]]></wp:author_email>
    <wp:author_display_name><![CDATA[Katrin Albers]]></wp:author_display_name>
  </wp:author>
  {"".join(items)}
</channel>
</rss>
""".encode()
