"""Pull-quotes for Python-Markdown: ``> [!PULLQUOTE]`` and ``> [!PULLQUOTE excerpt]``.

Authors mark a quotation to be set large with a blockquote whose first line is
the marker, in the manner of GitHub's ``> [!NOTE]`` alerts. A standalone
pull-quote is part of the text; an *excerpt* repeats a phrase of the post for
the eye only, so it is hidden from assistive technology and holds nothing a
keyboard could land on. This module knows nothing of Pelican (see plugin.py).

Markup (the contract in CONTENT-FORMATS.md)::

    <figure class="pullquote"><blockquote>…</blockquote>
      <figcaption>— Name</figcaption></figure>
    <figure aria-hidden="true" class="pullquote excerpt">
      <blockquote>…</blockquote></figure>
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as etree
from typing import TYPE_CHECKING, Any

from markdown import util
from markdown.blockprocessors import BlockProcessor
from markdown.extensions import Extension
from markdown.treeprocessors import Treeprocessor

if TYPE_CHECKING:  # pragma: no cover
    from markdown import Markdown

#: Marker words are matched case-insensitively, like GitHub's alert markers.
MARKER_RE = re.compile(
    r"(?:^|\n)(?P<indent>[ ]{0,3})>[ ]?"
    r"\[!PULLQUOTE(?P<excerpt>[ ]+excerpt)?\][ ]*(?:\n|$)",
    re.IGNORECASE,
)
#: One line of a blockquote: up to three spaces, ``>``, an optional space.
QUOTE_LINE_RE = re.compile(r"^[ ]{0,3}>[ ]?(.*)$")
#: An attribution: em dash, or two hyphens not followed by a third (``---`` is a rule).
ATTRIBUTION_RE = re.compile(r"^[ ]{0,3}(?:\u2014|--(?!-))[ ]*(?P<who>\S.*?)[ ]*$")


class PullQuoteProcessor(BlockProcessor):
    """Turn a marked blockquote into a ``figure.pullquote`` (above ``quote``)."""

    CLASSNAME = "pullquote"
    CLASSNAME_EXCERPT = "excerpt"
    ATTRIBUTION_DASH = "\u2014 "

    def test(self, parent: etree.Element, block: str) -> bool:
        # Every block of every post is tested: the marker's "[!" is a cheap first sieve.
        if "[!" not in block:
            return False
        match = MARKER_RE.search(block)
        if match is None or util.nearing_recursion_limit():
            return False
        # The marker must open a quote: inside an ordinary quote it is just text.
        before = block[: match.start()]
        return not any(QUOTE_LINE_RE.match(line) for line in before.split("\n") if line)

    def run(self, parent: etree.Element, blocks: list[str]) -> None:
        block = blocks.pop(0)
        match = MARKER_RE.search(block)
        assert match is not None  # test() saw it
        before = block[: match.start()]
        if before.strip():
            self.parser.parseBlocks(parent, [before])
        lines = [self.clean(line) for line in block[match.end() :].split("\n")]
        attribution = self._attribution(lines)
        excerpt = bool(match.group("excerpt"))

        figure = etree.SubElement(parent, "figure")
        figure.set(
            "class",
            f"{self.CLASSNAME} {self.CLASSNAME_EXCERPT}" if excerpt else self.CLASSNAME,
        )
        if excerpt:
            figure.set("aria-hidden", "true")
        quote = etree.SubElement(figure, "blockquote")
        self.parser.state.set("blockquote")
        self.parser.parseChunk(quote, "\n".join(lines))
        self.parser.state.reset()
        if attribution is not None:
            caption = etree.SubElement(figure, "figcaption")
            caption.text = self.ATTRIBUTION_DASH + attribution

    @staticmethod
    def clean(line: str) -> str:
        """Remove the quote's ``>``; lazy continuation lines stay as written."""
        if line.strip() == ">":
            return ""
        match = QUOTE_LINE_RE.match(line)
        return match.group(1) if match else line

    @staticmethod
    def _attribution(lines: list[str]) -> str | None:
        """Pop the last non-empty line if it is an attribution; return the name."""
        while lines and not lines[-1].strip():
            lines.pop()
        if len(lines) < 2:  # a quote of nothing but a name is not an attribution
            return None
        match = ATTRIBUTION_RE.match(lines[-1])
        if match is None:
            return None
        lines.pop()
        return match.group("who")


class ExcerptTreeprocessor(Treeprocessor):
    """Make excerpts inert and note their phrases (runs after inline patterns).

    An ``aria-hidden`` subtree must hold nothing focusable, so links become
    plain text and raw HTML becomes its text.
    """

    def __init__(self, md: Markdown, extension: PullQuoteExtension) -> None:
        super().__init__(md)
        self.extension = extension

    def run(self, root: etree.Element) -> None:
        for figure in root.iter("figure"):
            classes = (figure.get("class") or "").split()
            if PullQuoteProcessor.CLASSNAME_EXCERPT not in classes:
                continue
            for element in figure.iter():
                element.attrib.pop("tabindex", None)
                element.text = self._raw_to_text(element.text)
                element.tail = (
                    self._raw_to_text(element.tail)
                    if element is not figure
                    else element.tail
                )
            _unwrap(figure, "a")
            self.extension.excerpts.append(" ".join("".join(figure.itertext()).split()))

    def _raw_to_text(self, text: str | None) -> str | None:
        if not text or util.STX not in text:
            return text

        def replace(match: re.Match[str]) -> str:
            index = int(match.group(1))
            blocks = self.md.htmlStash.rawHtmlBlocks
            raw = str(blocks[index]) if index < len(blocks) else ""
            return re.sub(r"<[^>]*>", "", raw)

        return str(util.HTML_PLACEHOLDER_RE.sub(replace, text))


def _unwrap(parent: etree.Element, tag: str) -> None:
    """Replace every ``tag`` element below parent by its text and children."""
    index = 0
    while index < len(parent):
        child = parent[index]
        if child.tag != tag:
            _unwrap(child, tag)
            index += 1
            continue
        parent.remove(child)
        moved = list(child)
        _add_text(parent, index, child.text)
        for offset, grandchild in enumerate(moved):
            parent.insert(index + offset, grandchild)
        _add_text(parent, index + len(moved), child.tail)
        # No index += 1: the moved children are examined next.


def _add_text(parent: etree.Element, position: int, text: str | None) -> None:
    """Append text after the child before ``position`` (or to parent.text at 0)."""
    if not text:
        return
    if position == 0:
        parent.text = (parent.text or "") + text
    else:
        sibling = parent[position - 1]
        sibling.tail = (sibling.tail or "") + text


class PullQuoteExtension(Extension):
    """Pull-quotes as figures; ``excerpts``: the current document's excerpt phrases."""

    def __init__(self, **kwargs: Any) -> None:
        self.config: dict[str, list[Any]] = {}
        super().__init__(**kwargs)
        self.excerpts: list[str] = []

    def extendMarkdown(self, md: Markdown) -> None:
        """Register the processors.

        | Class instance         | Registry          | Name                | Priority |
        | ---------------------- | ----------------- | ------------------- | :------: |
        | `PullQuoteProcessor`   | `blockprocessors` | `pullquote`         |   `21`   |
        | `ExcerptTreeprocessor` | `treeprocessors`  | `pullquote_excerpt` |   `15`   |

        21 puts the processor right above ``quote`` (20), so it sees a marked
        blockquote first; 15 runs after ``inline`` (20), when links exist as elements.
        """
        md.registerExtension(self)  # so md.reset() clears per-document state
        self.reset()
        md.parser.blockprocessors.register(
            PullQuoteProcessor(md.parser), "pullquote", 21
        )
        md.treeprocessors.register(
            ExcerptTreeprocessor(md, self), "pullquote_excerpt", 15
        )

    def reset(self) -> None:
        """Forget the last document: Pelican reuses one instance for every file."""
        self.excerpts = []


def makeExtension(**kwargs: Any) -> PullQuoteExtension:
    """Entry point for ``Markdown(extensions=["pullquotes.extension"])``."""
    return PullQuoteExtension(**kwargs)
