"""Comment bodies: Markdown rendered safely, mentions found (projects.markup, pure)."""

from html.parser import HTMLParser

import pytest

from projects import markup

# What an attacker types, and what must never come out of the renderer.
XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    '<a href="javascript:alert(1)">click</a>',
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    "[click](&#106;avascript:alert(1))",
    "[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
    "[click](vbscript:msgbox(1))",
    "![x](javascript:alert(1))",
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
    "<style>body{display:none}</style>",
    '[x](https://example.com "title" onmouseover="alert(1)")',
    "<a href='https://example.com' onclick='alert(1)'>x</a>",
    "`<script>` is fine in code, <b onmouseover=alert(1)>bold</b>",
    "<details open ontoggle=alert(1)>",
]
ALLOWED_TAGS = markup.TAGS


class Elements(HTMLParser):
    """The elements and attributes a browser would build from the HTML (text is only text)."""

    def __init__(self) -> None:
        super().__init__()
        self.elements: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))


def elements(html: str) -> list[tuple[str, dict[str, str]]]:
    parser = Elements()
    parser.feed(html)
    return parser.elements


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_render_leaves_xss_payloads_inert(payload):
    """No element, attribute or address that runs script survives: only the allowed tags, no
    event handler, links only to http(s) and mail; the words stay readable as text."""
    html = markup.render(payload)
    for tag, attrs in elements(html):
        assert tag in ALLOWED_TAGS, html
        assert not any(name.startswith("on") for name in attrs), html
        assert set(attrs) <= {"href", "title", "rel", "class", "style", "start"}, html
        if "href" in attrs:
            assert attrs["href"].split(":", 1)[0].lower() in {"http", "https", "mailto"}, html
            assert attrs["rel"] == "nofollow noopener", html
        if "style" in attrs:
            assert attrs["style"].startswith("text-align:"), html
    assert "<script" not in html.lower()


def test_render_keeps_markdown_and_marks_links_nofollow():
    """Emphasis, code, lists and links render; links get rel="nofollow noopener"."""
    html = markup.render("**Bold** and `code`\n\n- one\n- two\n\n[docs](https://example.com/a)")
    assert "<strong>Bold</strong>" in html
    assert "<code>code</code>" in html
    assert "<li>one</li>" in html
    assert '<a href="https://example.com/a" rel="nofollow noopener">docs</a>' in html


def test_render_escapes_raw_html_as_text():
    """Raw HTML is shown as the characters typed, not interpreted."""
    assert markup.render("<b>hi</b>") == "<p>&lt;b&gt;hi&lt;/b&gt;</p>\n"


def test_mentioned_usernames_outside_code_links_and_addresses():
    """@names in text count, once each, in order; code, link text and e-mail addresses do not."""
    body = "Thanks @ann and @bob.smith! @ann again. `@carl` [@dan](https://x.org) eve@example.com"
    assert markup.mentioned_usernames(body) == ["ann", "bob.smith"]


def test_render_marks_only_the_mentions_it_is_given():
    """Allowed names show as mentions; any other @name stays plain text."""
    html = markup.render("@ann meet @zed", ["ann"])
    assert '<span class="mention">@ann</span>' in html
    assert "@zed" in html and 'mention">@zed' not in html


def test_plain_text_of_rendered_html():
    """The excerpt is the words on one line, entities decoded."""
    assert markup.plain_text(markup.render("**Hi** &amp;\n\n@ann <x>", ["ann"])) == "Hi & @ann <x>"
