"""Comment bodies: Markdown rendered to safe HTML, and the ``@username`` mentions in them.

Two locks on one door. markdown-it runs with raw HTML off (``<script>`` comes out as text) and
its own link check (no ``javascript:``, ``vbscript:``, ``file:`` or ``data:`` links); then nh3
keeps only the tags and attributes a comment needs, links only to http(s) and mail addresses,
each with ``rel="nofollow noopener"``. Images are off: a picture from anywhere on the web would
tell its server who read the comment, and when.

A mention is ``@`` and a username that does not follow a letter or digit (so ``ann@example.com``
is an address, not a mention), outside code and links. The text decides who is mentioned; the
caller decides who may be (members of the project), and only those render as mentions.

Pure: no Django import (STYLE 2).
"""

from __future__ import annotations

import html
import re
from collections.abc import Iterable

import nh3
from markdown_it import MarkdownIt
from markdown_it.token import Token

# Django's username characters ([\w.@+-]) without "@", ending on a letter or digit so that the
# full stop after "thanks @ann." is not part of the name.
MENTION = re.compile(r"(?<![\w.@+-])@(\w(?:[\w.+-]*\w)?)")

TAGS = {
    "p", "br", "hr", "strong", "em", "s", "code", "pre", "blockquote",
    "ul", "ol", "li", "h1", "h2", "h3", "h4", "h5", "h6", "a", "span",
    "table", "thead", "tbody", "tr", "th", "td",
}  # fmt: skip
ATTRIBUTES = {"a": {"href", "title"}, "ol": {"start"}}
# A table column's alignment is the only style markdown-it writes, and the only one kept.
ALIGN = {"style": {"text-align:left", "text-align:center", "text-align:right"}}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "nofollow noopener"


def _parser() -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": False, "typographer": False})
    md.enable(["table", "strikethrough"]).disable("image")
    md.core.ruler.push("mentions", _split_mentions)
    md.add_render_rule("mention", _render_mention)
    return md


def _split_mentions(state) -> None:
    """Turn each ``@name`` in plain text (not in a link or code) into a ``mention`` token."""
    for block in state.tokens:
        if block.type != "inline" or not block.children:
            continue
        children: list[Token] = []
        in_link = 0
        for token in block.children:
            if token.type == "link_open":
                in_link += 1
            elif token.type == "link_close":
                in_link -= 1
            if token.type != "text" or in_link or "@" not in token.content:
                children.append(token)
                continue
            text, start = token.content, 0
            for match in MENTION.finditer(text):
                if match.start() > start:
                    children.append(_text(text[start : match.start()]))
                mention = Token("mention", "", 0)
                mention.content = match.group(1)
                children.append(mention)
                start = match.end()
            if start < len(text):
                children.append(_text(text[start:]))
        block.children = children


def _text(content: str) -> Token:
    token = Token("text", "", 0)
    token.content = content
    return token


def _render_mention(self, tokens: list[Token], idx: int, options, env) -> str:
    name = tokens[idx].content
    if name in env.get("mentions", ()):
        return f'<span class="mention">@{html.escape(name)}</span>'
    return f"@{html.escape(name)}"


_MD = _parser()


def mentioned_usernames(body: str) -> list[str]:
    """The usernames ``body`` mentions, in order of first mention, each once."""
    names: dict[str, None] = {}
    for block in _MD.parse(body):
        for token in block.children or ():
            if token.type == "mention":
                names.setdefault(token.content, None)
    return list(names)


def render(body: str, mentions: Iterable[str] = ()) -> str:
    """``body`` (Markdown) as sanitised HTML; the usernames in ``mentions`` show as mentions."""
    dirty = _MD.render(body, {"mentions": frozenset(mentions)})
    return nh3.clean(
        dirty,
        tags=TAGS,
        attributes=ATTRIBUTES,
        tag_attribute_values={"th": ALIGN, "td": ALIGN},
        allowed_classes={"span": {"mention"}},
        url_schemes=URL_SCHEMES,
        link_rel=LINK_REL,
        strip_comments=True,
    )


def plain_text(rendered: str) -> str:
    """The words of rendered HTML, on one line (for excerpts in notifications)."""
    text = html.unescape(nh3.clean(rendered, tags=set()))
    return " ".join(text.split())
