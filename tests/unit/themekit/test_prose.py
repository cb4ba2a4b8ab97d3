"""themekit.prose: scrollable code blocks take keyboard focus."""

from __future__ import annotations

from themekit.prose import focusable_code


def test_bare_pre_gets_tabindex() -> None:
    html = (
        '<div class="highlight"><pre><span></span><code>x = 1\n</code></pre></div>'
        "<pre>plain</pre>"
    )
    out = str(focusable_code(html))
    assert out.count('<pre tabindex="0">') == 2


def test_pre_with_attributes_is_left_alone() -> None:
    html = '<pre class="mermaid">graph</pre><p>&lt;pre&gt; in text</p>'
    assert str(focusable_code(html)) == html
