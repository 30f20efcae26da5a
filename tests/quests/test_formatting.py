"""A description's light formatting, and that nothing typed becomes markup of its own."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from hypothesis import given
from hypothesis import strategies as st
from django.utils.safestring import SafeString

from quests import formatting
from quests.formatting import render


@pytest.mark.parametrize(("text", "html"), [
    ("", ""),
    ("plain", "<p>plain</p>"),
    ("**bold** and *italic*", "<p><strong>bold</strong> and <em>italic</em></p>"),
    ("use `x = 1 * 2 * 3`", "<p>use <code>x = 1 * 2 * 3</code></p>"),
    ("`**not bold**`", "<p><code>**not bold**</code></p>"),
    ("a\nb", "<p>a<br>b</p>"),
    ("a\n\nb", "<p>a</p><p>b</p>"),
    ("a\r\n \r\nb", "<p>a</p><p>b</p>"),
    ("Steps:\n- one\n- **two**", "<p>Steps:</p><ul><li>one</li><li><strong>two</strong></li></ul>"),
    ("2 * 3 * 4", "<p>2 * 3 * 4</p>"),
    ("snake_case *and* 5*6", "<p>snake_case <em>and</em> 5*6</p>"),
    ("See https://example.com/a?b=1&c=2.",
     '<p>See <a href="https://example.com/a?b=1&amp;c=2" rel="nofollow noopener">'
     "https://example.com/a?b=1&amp;c=2</a>.</p>"),
    ("(https://example.com)",
     '<p>(<a href="https://example.com" rel="nofollow noopener">https://example.com</a>)</p>'),
    ("http://example.com stays text", "<p>http://example.com stays text</p>"),
])
def test_light_formatting(text, html):
    rendered = render(text)
    assert isinstance(rendered, SafeString)
    assert rendered == html


@pytest.mark.parametrize("attack", [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">x</a>',
    "[x](javascript:alert(1))",
    'https://example.com/"onmouseover="alert(1)',
    "https://example.com/'onmouseover='alert(1)",
    "https://example.com/<script>alert(1)</script>",
    "**<svg onload=alert(1)>**",
    "`</code><script>alert(1)</script>`",
    "- <iframe src=https://evil.example></iframe>",
    "javascript:alert(1)",
    "&lt;script&gt;alert(1)&lt;/script&gt;",
    "<style>body{display:none}</style>",
    "*<a href=https://x.example>x</a>*",
])
def test_nothing_typed_becomes_markup(attack):
    elements = Elements()
    elements.feed(render(attack))
    for tag, attributes in elements.found:
        assert tag in {"p", "br", "strong", "em", "code", "ul", "li", "a"}
        if tag == "a":
            assert set(attributes) == {"href", "rel"} and attributes["rel"] == "nofollow noopener"
            assert attributes["href"].startswith("https://") and not set(attributes["href"]) & set("\"'<> ")
        else:
            assert attributes == {}


@given(st.lists(st.sampled_from([*"ab <>\"'&*`-/:=\n", "https://", "<a href=", "javascript:"])).map("".join))
def test_any_text_renders_only_allowed_markup(text):
    test_nothing_typed_becomes_markup(text)


def test_a_typed_entity_stays_text():
    assert render("&lt;b&gt;") == "<p>&amp;lt;b&amp;gt;</p>"


def test_a_link_ends_where_a_quote_begins():
    assert render('go https://example.com/x"title=y') == (
        '<p>go <a href="https://example.com/x" rel="nofollow noopener">https://example.com/x</a>"title=y</p>'
    )


class Elements(HTMLParser):
    """Every element and its attributes, as a browser's parser reads them."""

    def __init__(self):
        super().__init__()
        self.found: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.found.append((tag, dict(attrs)))


@pytest.mark.parametrize(("text", "shown"), [
    ("", ""),
    ("Twelve runs from today.\n\n- pick a race\n- **register** early", "Twelve runs from today. · pick a race · register early"),
    ("Use `make run` and *relax*", "Use make run and relax"),
    ("<b>not markup</b>", "<b>not markup</b>"),  # plain text: the template escapes it
])
def test_plain_is_one_line_without_the_marks(text, shown):
    assert formatting.plain(text) == shown
