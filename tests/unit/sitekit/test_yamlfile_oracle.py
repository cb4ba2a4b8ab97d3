"""sitekit.yamlfile against PyYAML's own composer as an independent oracle.

The reader walks parser events with its own stack; libyaml's composer builds
the same tree in C. For generated and mutated documents both must agree on
every value and line, and whatever the composer refuses the reader refuses too.
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sitekit.yamlfile import YamlError, YamlList, YamlMap, YamlValue, read_text

_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_NULL_TAG = "!oracle-null"


class _OracleLoader(yaml.CBaseLoader if yaml.__with_libyaml__ else yaml.BaseLoader):  # type: ignore[misc]
    """PyYAML's composer; an implicit (untagged plain) null scalar gets a marker tag."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0] and value in _NULLS:
            return _NULL_TAG
        return super().resolve(kind, value, implicit)


def _expected(node: yaml.Node) -> Any:
    """The value and lines the reader must give, as plain nested tuples."""
    if isinstance(node, yaml.ScalarNode):
        return None if node.tag == _NULL_TAG else node.value
    line = node.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode):
        return (
            "list",
            line,
            [(item.start_mark.line + 1, _expected(item)) for item in node.value],
        )
    return (
        "map",
        line,
        [(k.value, k.start_mark.line + 1, _expected(v)) for k, v in node.value],
    )


def _actual(value: YamlValue) -> Any:
    if isinstance(value, YamlMap):
        assert list(value.key_lines) == list(value)
        return (
            "map",
            value.line,
            [(k, value.key_lines[k], _actual(v)) for k, v in value.items()],
        )
    if isinstance(value, YamlList):
        return (
            "list",
            value.line,
            [(ln, _actual(v)) for ln, v in zip(value.item_lines, value, strict=True)],
        )
    assert value is None or type(value) is str
    return value


def _clean(node: yaml.Node, seen: set[int]) -> bool:
    """No shared node (alias), no non-text or duplicate key anywhere."""
    if id(node) in seen:
        return False
    seen.add(id(node))
    if isinstance(node, yaml.SequenceNode):
        return all(_clean(item, seen) for item in node.value)
    if isinstance(node, yaml.MappingNode):
        keys = [k.value for k, _ in node.value]
        if any(
            not isinstance(k, yaml.ScalarNode) or k.tag == _NULL_TAG
            for k, _ in node.value
        ):
            return False
        return len(set(keys)) == len(keys) and all(
            _clean(k, seen) and _clean(v, seen) for k, v in node.value
        )
    return True


def _agrees_with_the_oracle(text: str) -> None:
    try:
        got: Any = _actual(read_text(text))
    except YamlError as error:
        got = error
        # YAML breaks lines at NEL and U+2028/9 too; splitlines counts those.
        assert error.line is None or 1 <= error.line <= len(text.splitlines()) + 1, (
            error
        )
    try:
        node = yaml.compose(text, Loader=_OracleLoader)
    except (yaml.YAMLError, ValueError):
        assert isinstance(got, YamlError), (
            "the reader accepted what the composer refuses"
        )
        return
    if isinstance(got, YamlError):
        # Refusals the composer does not make: markup, duplicate or non-text
        # keys, or a file of nothing but blank and comment lines.
        blank = all(
            not ln.strip() or ln.lstrip().startswith("#") for ln in text.splitlines()
        )
        markup = any(ch in text for ch in "!&*")
        assert blank or markup or (node is not None and not _clean(node, set())), got
        return
    assert got == (None if node is None else _expected(node))


_SEEDS = [
    'author: "Ada Nowak"\ndate: 2017-05-03T09:12:00+02:00\nparent: c1\n'
    "body: |\n  Hallo *Welt*!\n\n  Zweiter Absatz: ja.\n",
    "- id: c1\n  author: Jonas\n  body: >\n    gefaltet\n    weiter\n"
    "- id: c2\n  parent: c1\n  body: |-\n    kurz\n",
    "# Leseliste\nitems:\n  - key: silo-und-schwarm\n"
    "    note: 'Ein Buch, das ''bleibt'''\n  - {key: b, tags: [x, y]}\n"
    "empty:\nnull_ish: ~\n",
    "a: [1, {b: c}, [d, e]]\nf: {g: h, i: [j]}\n",
    "---\nid: NO\nn: 1:20\nx: 0x1F\n...\n",
    "author: A\nmeta: {k: v}\nauthor: B\n",
]
# Single characters with a meaning in YAML, then whole markers and odd breaks.
_PIECES = [
    *":-?[]{},#&*!|>'\"%@`\\\n\t ~.aZ0",
    *("\x07", "\x85", "\u2028", "\ufeff", "ä", "\r\n", "---\n", "  ", "- ", "? "),
    *(": ", "&a ", "*a", "! ", "!!str ", "<<: ", "|\n", "null"),
]


@st.composite
def _mutated(draw: st.DrawFn) -> str:
    text = draw(st.sampled_from(_SEEDS))
    for _ in range(draw(st.integers(0, 5))):
        pos = draw(st.integers(0, len(text)))
        cut = draw(st.integers(0, 3))
        text = text[:pos] + draw(st.sampled_from(_PIECES)) + text[pos + cut :]
    return text


# PyYAML's emitter writes NEL and the Unicode line separators raw inside
# quotes, where YAML folds them: they do not survive a round trip anywhere.
_plain = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cs",), blacklist_characters="\x85\u2028\u2029"
    ),
    max_size=30,
)
_data = st.recursive(
    st.none() | _plain,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(_plain, inner, max_size=4)
    ),
    max_leaves=12,
)

_SETTINGS = settings(
    max_examples=400,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


@_SETTINGS
@given(_mutated())
def test_mutated_documents_agree_with_the_composer(text: str) -> None:
    _agrees_with_the_oracle(text)


@_SETTINGS
@given(_data, st.booleans(), st.integers(1, 4))
def test_dumped_data_reads_back_as_written(data: Any, flow: bool, indent: int) -> None:
    text = yaml.safe_dump(
        data, allow_unicode=True, default_flow_style=flow, indent=indent + 1
    )
    if not text.strip() or text.lstrip().startswith("#"):
        return
    assert read_text(text) == data
    _agrees_with_the_oracle(text)
