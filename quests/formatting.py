"""A quest's description as HTML: the text escaped, then light formatting (docs/quests.md,
"Descriptions"), then cleaned by nh3 against an allow-list, so nothing a user types can
become markup of its own."""

from __future__ import annotations

import html
import re

import nh3
from django.utils.safestring import SafeString, mark_safe

TAGS = {"p", "br", "strong", "em", "code", "ul", "li", "a"}
ATTRIBUTES = {"a": {"href"}}
LINK_REL = "nofollow noopener"

# A code span, or a bare https:// URL up to a space, a quote or a bracket (trailing
# punctuation is left out of the link); a link needs a host.
_TOKEN = re.compile(r"(`[^`\n]+`)|(https://[^\s<>\"'`]+)")
_TRAILING = ".,;:!?)*"
_URL = re.compile(r"https://[A-Za-z0-9][A-Za-z0-9.-]*(?::[0-9]+)?(?:[/?#]\S*)?")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_ITALIC = re.compile(r"(?<![*\w])\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?![*\w])")
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def render(text: str) -> SafeString:
    """**bold**, *italic*, `code`, lines starting with "- " as a list, a blank line between
    paragraphs, a line break kept, bare https:// links (rel="nofollow noopener")."""
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").strip("\n")
    blocks = [_block(block) for block in _BLANK_LINE.split(text) if block.strip()]
    return mark_safe(nh3.clean("".join(blocks), tags=TAGS, attributes=ATTRIBUTES, url_schemes={"https"},
                               link_rel=LINK_REL))


def _block(block: str) -> str:
    """A paragraph: runs of "- " lines become a list, other lines are joined by <br>."""
    parts, lines, items = [], [], []

    def flush_lines():
        if lines:
            parts.append("<p>" + "<br>".join(lines) + "</p>")
            lines.clear()

    def flush_items():
        if items:
            parts.append("<ul>" + "".join(f"<li>{item}</li>" for item in items) + "</ul>")
            items.clear()

    for line in block.split("\n"):
        if line.startswith("- "):
            flush_lines()
            items.append(_inline(line[2:].strip()))
        else:
            flush_items()
            lines.append(_inline(line.strip()))
    flush_lines()
    flush_items()
    return "".join(parts)


def _inline(text: str) -> str:
    """Code spans and links are kept whole; bold and italic apply to the text between.
    Every piece of the user's text is escaped before it meets markup."""
    out, last = [], 0
    for match in _TOKEN.finditer(text):
        code, url = match.groups()
        if code:
            out.append(_emphasis(text[last:match.start()]))
            out.append(f"<code>{html.escape(code[1:-1])}</code>")
            last = match.end()
            continue
        trimmed = url.rstrip(_TRAILING)
        if _URL.fullmatch(trimmed):
            out.append(_emphasis(text[last:match.start()]))
            out.append(f'<a href="{html.escape(trimmed)}">{html.escape(trimmed)}</a>')
            last = match.start() + len(trimmed)
    out.append(_emphasis(text[last:]))
    return "".join(out)


def _emphasis(text: str) -> str:
    text = html.escape(text)
    text = _BOLD.sub(r"<strong>\1</strong>", text)
    return _ITALIC.sub(r"<em>\1</em>", text)


def plain(text: str) -> str:
    """The description as one line of plain text, for previews (the templates page): the
    formatting marks dropped, its lines and list items joined with " · "."""
    lines = [line.strip() for line in (text or "").splitlines()]
    items = [line[2:].strip() if line.startswith("- ") else line for line in lines if line]
    joined = " · ".join(item for item in items if item)
    joined = re.sub(r"`([^`\n]+)`", r"\1", joined)
    return _ITALIC.sub(r"\1", _BOLD.sub(r"\1", joined))
