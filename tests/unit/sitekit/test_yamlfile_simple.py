"""sitekit.yamlfile's reader of the usual comment file against the parser.

``_read_simple`` reads the common shapes without libyaml; for every text it
accepts, the event reader must give the same values and lines, and whatever
the parser refuses it must leave to the parser. Checked on the sample
content, generated threads and line-wise mutations of both.
"""

from __future__ import annotations

import random
import sys
import tempfile
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

import pytest
from sitekit import yamlfile
from sitekit.yamlfile import YamlError, YamlList, YamlMap, read_text
from support.site import ROOT

sys.path.insert(0, str(ROOT / "tests" / "bench"))
import bench_sitegen


def shape(value: Any) -> Any:
    """Values with their lines, as plain nested tuples."""
    if isinstance(value, YamlMap):
        items = [(k, shape(v)) for k, v in value.items()]
        return ("map", value.line, dict(value.key_lines), items)
    if isinstance(value, YamlList):
        return ("list", value.line, list(value.item_lines), [shape(v) for v in value])
    return value


def parsed(text: str) -> Any:
    """What the event reader gives (the parser alone), or the error's text."""
    parser = yamlfile._Parser(text)
    try:
        return shape(yamlfile._build(parser))
    except Exception as error:  # any refusal is compared as such
        return ("refused", type(error).__name__)
    finally:
        parser.dispose()


@lru_cache(maxsize=1)
def sample_texts() -> tuple[str, ...]:
    """The sample content's comment files and a generated thread's (bench data)."""
    found = sorted((ROOT / "content" / "comments").rglob("*.y*ml"))
    texts = [p.read_text(encoding="utf-8") for p in found]
    rng = random.Random(3)  # noqa: S311 - reproducible test input
    words = bench_sitegen._Words(rng)
    thread = bench_sitegen.make_thread(
        words, 150, datetime(2020, 1, 1, tzinfo=UTC), 0.4
    )
    with tempfile.TemporaryDirectory() as tmp:
        bench_sitegen.write_thread(Path(tmp), thread, rng, 0.3)
        texts += [p.read_text(encoding="utf-8") for p in sorted(Path(tmp).iterdir())]
    return tuple(texts)


PIECES = [
    *("\n- ", "\n  ", "\n   ", "\n- id: x\n", "  body: |\n", "x: |\n", " |", ": |"),
    *("\n\n", "\n \n", "\n    \n", "null:", "~", '"', "'", "#", " #", "a:", ": "),
    *(":\n", "\n---\n", "\n...\n", "\t", "\r", "\x85", "\u2028", "\ufeff", "\xa0"),
    *("- ", "-", "?", "!", "&", "*", "%", "@", "`", "{", "}", "[", "]", ",", ">"),
    *("|+", "|-", "|2", "\\", '\\"', "ä", "\x01", "\x7f"),
]


def mutations(texts: tuple[str, ...], seed: int, per_text: int) -> list[str]:
    rng = random.Random(seed)  # noqa: S311 - reproducible test input
    out: list[str] = []
    for text in texts:
        lines = text.split("\n")
        for _ in range(per_text):
            changed = list(lines)
            k = rng.randrange(len(changed))
            op = rng.randrange(5)
            if op == 0:
                changed.insert(k, rng.choice(changed))
            elif op == 1:
                del changed[k]
            elif op == 2:
                changed[k] = " " + changed[k]
            elif op == 3:
                changed[k] = changed[k][1:]
            else:
                j = rng.randrange(len(changed[k]) + 1)
                changed[k] = changed[k][:j] + rng.choice(PIECES) + changed[k][j:]
            out.append("\n".join(changed))
    return out


def test_the_usual_files_take_the_simple_reader_and_read_as_the_parser_does() -> None:
    texts = sample_texts()
    simple = [t for t in texts if yamlfile._read_simple(t) is not None]
    assert len(simple) > 0.9 * len(texts)  # the fast reader is really used
    assert any(isinstance(yamlfile._read_simple(t), YamlList) for t in simple)
    for text in simple:
        assert shape(yamlfile._read_simple(text)) == parsed(text), text


@pytest.mark.parametrize("seed", [1, 2])
def test_mutated_files_the_simple_reader_takes_read_as_the_parser_does(
    seed: int,
) -> None:
    taken = 0
    for text in mutations(sample_texts(), seed, 6):
        found = yamlfile._read_simple(text)
        if found is not None:
            taken += 1
            assert shape(found) == parsed(text), text
    assert taken > 100  # both readers are exercised


@pytest.mark.parametrize(
    "text",
    [
        "author: x\nauthor: y\nbody: |\n  a\n",  # duplicate key: the parser names it
        "null: x\n",  # a key that is no text
        "author: x\n  y\nbody: |\n  a\n",  # continued plain text
        "body: |\n\n  a\n",  # a blank line before the block's text
        "body: |\n  a\n   \n",  # spaces only
        "author: x # note\n",  # a comment
        "author: x\tb\n",  # a tab
        "- id: a\n- b\n",  # an item that is no mapping
        "author: x",  # no final line break
    ],
)
def test_anything_unusual_is_left_to_the_parser(text: str) -> None:
    assert yamlfile._read_simple(text) is None
    try:
        found: Any = shape(read_text(text))
    except YamlError:
        found = "refused"
    expected = parsed(text)
    assert found == ("refused" if expected[0] == "refused" else expected)
