"""The scorecard's HTML as an element tree, quickly, for the PDF workers.

WeasyPrint parses HTML with tinyhtml5, a pure-Python HTML5 parser: about 60 ms of a two-page
scorecard's 600 ms. Our pages are machine-written (Jinja2 templates, every value escaped) and
use a small, well-formed subset of HTML, for which the standard library's tokenizer
(:class:`html.parser.HTMLParser`, regular expressions in C) gives the same tree in under 10 ms.

:func:`parse` builds that tree and returns None as soon as the input leaves the subset in any way
that could make an HTML5 parser build a different tree: an end tag that does not close the
element it should, a tag outside the list below, a ``<p>`` that a block would close, a table
part in the wrong place, text where HTML5 would move it out of a table, a comment, a bare ``&``,
no ``<!DOCTYPE html>``... The caller then lets tinyhtml5 parse it, so a page is never rendered
from a tree an HTML5 parser would not have built. ``tests/test_render.py`` holds the two trees
equal on every kind of scorecard page, in both languages, and the fallbacks to tinyhtml5.

The tree is tinyhtml5's own shape (``namespace_html_elements=False``): plain tag names, ``html``
with ``head`` and ``body``; whitespace before ``<head>`` dropped, whitespace after ``</body>``
moved into the body, as HTML5 does.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser

VOID = frozenset({"meta", "link", "img", "br"})
ALLOWED = VOID | {
    "html", "head", "title", "style", "body", "div", "nav", "header", "footer", "main", "section",
    "aside", "h1", "h2", "h3", "h4", "h5", "h6", "p", "span", "a", "strong", "em", "b", "i",
    "small", "abbr", "sup", "sub", "code", "ul", "ol", "li", "dl", "dt", "dd", "figure",
    "figcaption", "table", "caption", "thead", "tbody", "tfoot", "tr", "th", "td",
}
HEAD_CONTENT = frozenset({"meta", "title", "style", "link"})
HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
# start tags that close an open <p> in button scope (HTML5 "in body" insertion mode)
CLOSES_P = frozenset({"div", "nav", "header", "footer", "main", "section", "aside", "p", "ul", "ol",
                      "dl", "dt", "dd", "li", "figure", "figcaption", "table"} | HEADINGS)
BUTTON_SCOPE = frozenset({"html", "table", "td", "th", "caption"})
# HTML5's "special" elements (of ALLOWED) that end the search for an open <li>, <dt> or <dd>
SPECIAL = frozenset({"html", "head", "body", "nav", "header", "footer", "main", "section", "aside",
                     "ul", "ol", "li", "dl", "dd", "dt", "table", "caption", "tbody", "thead", "tfoot",
                     "tr", "td", "th", "img", "br", "meta", "link", "style", "title", "figure",
                     "figcaption"} | HEADINGS)
TABLE_CHILDREN = {"table": {"caption", "thead", "tbody", "tfoot"}, "thead": {"tr"}, "tbody": {"tr"},
                  "tfoot": {"tr"}, "tr": {"td", "th"}}
CELL_PARENT = {"tr": {"thead", "tbody", "tfoot"}, "td": {"tr"}, "th": {"tr"},
               "thead": {"table"}, "tbody": {"table"}, "tfoot": {"table"}, "caption": {"table"}}
# an ampersand that is not one of the references an escaping template writes
_BARE_AMPERSAND = re.compile(r"&(?!(?:amp|lt|gt|quot|apos|nbsp|#\d{1,7}|#[xX][0-9a-fA-F]{1,6});)")
_DOCTYPE = re.compile(r"\A\s*<!DOCTYPE html>", re.IGNORECASE)


class _Unsupported(Exception):
    """The input leaves the subset: let an HTML5 parser read it."""


class _TreeBuilder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root: ET.Element | None = None
        self.head: ET.Element | None = None
        self.body: ET.Element | None = None
        self.stack: list[ET.Element] = []
        self.last: ET.Element | None = None  # the element whose tail the next text extends
        self.after_body = ""  # whitespace after </body> and </html>: HTML5 puts it in the body
        self.done = False

    # -------------------------------------------------------------- tags
    def handle_starttag(self, tag, attrs):
        if tag not in ALLOWED or self.done:
            raise _Unsupported(tag)
        names = [name for name, _ in attrs]
        if len(set(names)) != len(names):
            raise _Unsupported("duplicate attribute")
        self._check_position(tag)
        element = ET.Element(tag, {name: "" if value is None else value for name, value in attrs})
        if self.stack:
            self.stack[-1].append(element)
        else:
            self.root = element
        if tag == "head":
            self.head = element
        elif tag == "body":
            self.body = element
        self.last = None
        if tag in VOID:
            self.last = element
        else:
            self.stack.append(element)

    def handle_startendtag(self, tag, attrs):
        if tag not in VOID:  # HTML5 ignores the slash of <div/>: the element stays open
            raise _Unsupported(f"<{tag}/>")
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if not self.stack or self.stack[-1].tag != tag or tag in VOID:
            raise _Unsupported(f"</{tag}>")
        self.last = self.stack.pop()
        if tag == "html":
            self.done = True

    def _check_position(self, tag: str) -> None:
        names = [e.tag for e in self.stack]
        parent = names[-1] if names else None
        expected_parent = {"html": None, "head": "html", "body": "html"}
        if tag in expected_parent:
            if parent != expected_parent[tag] or (tag == "body" and self.head is None) \
                    or (tag == "head" and self.head is not None) or (tag == "body" and self.body is not None):
                raise _Unsupported(tag)
            return
        if parent is None or parent == "html":
            raise _Unsupported(f"<{tag}> outside head and body")
        if "head" in names:
            if tag not in HEAD_CONTENT or parent != "head":
                raise _Unsupported(f"<{tag}> in head")
            return
        if tag in HEAD_CONTENT - {"meta"}:
            raise _Unsupported(f"<{tag}> in body")
        if parent in TABLE_CHILDREN and tag not in TABLE_CHILDREN[parent]:
            raise _Unsupported(f"<{tag}> in <{parent}>")
        if tag in CELL_PARENT and parent not in CELL_PARENT[tag]:
            raise _Unsupported(f"<{tag}> in <{parent}>")
        if tag in CLOSES_P:
            for name in reversed(names):
                if name == "p":
                    raise _Unsupported(f"<{tag}> closes <p>")
                if name in BUTTON_SCOPE:
                    break
        if tag in ("li", "dt", "dd"):
            for name in reversed(names):
                if name in ("li", "dt", "dd"):
                    raise _Unsupported(f"<{tag}> closes <{name}>")
                if name in SPECIAL and name not in ("div", "p"):
                    break
        if tag in HEADINGS and parent in HEADINGS:
            raise _Unsupported("heading in heading")
        if tag == "a" and "a" in names:
            raise _Unsupported("<a> in <a>")

    # -------------------------------------------------------------- text
    def handle_data(self, data):
        blank = not data.strip(" \t\n\f")
        if self.done or (self.body is not None and not self.stack):
            if not blank:
                raise _Unsupported("text after </html>")
            self.after_body += data
            return
        if self.body is not None and self.stack[-1] is self.root:  # after </body>
            if not blank:
                raise _Unsupported("text after </body>")
            self.after_body += data
            return
        parent = self.stack[-1].tag if self.stack else None
        if parent in (None, "html"):
            if not blank:
                raise _Unsupported("text outside head and body")
            if parent == "html" and self.head is not None and self.body is None and self.last is self.head:
                self.head.tail = (self.head.tail or "") + data  # between </head> and <body>
            return  # before <html> or <head>: dropped
        if not blank and (parent in TABLE_CHILDREN or parent == "head"):
            raise _Unsupported(f"text in <{parent}>")
        if self.last is not None:
            self.last.tail = (self.last.tail or "") + data
        else:
            self.stack[-1].text = (self.stack[-1].text or "") + data

    # -------------------------------------------------------------- anything else
    def handle_comment(self, data):
        raise _Unsupported("comment")

    def handle_pi(self, data):
        raise _Unsupported("processing instruction")

    def unknown_decl(self, data):
        raise _Unsupported("declaration")

    def handle_decl(self, decl):
        if decl.lower() != "doctype html" or self.root is not None:
            raise _Unsupported(decl)


def parse(html: str) -> ET.Element | None:
    """The element tree of ``html`` as tinyhtml5 builds it, or None when ``html`` leaves the
    subset this parser can vouch for (then parse it with tinyhtml5)."""
    if "\0" in html or not _DOCTYPE.match(html) or _BARE_AMPERSAND.search(html):
        return None
    html = html.replace("\r\n", "\n").replace("\r", "\n")  # HTML5's newline normalisation
    builder = _TreeBuilder()
    try:
        builder.feed(html)
        builder.close()
    except _Unsupported:
        return None
    if not builder.done or builder.root is None or builder.body is None or builder.rawdata:
        return None
    if builder.after_body:
        body = builder.body
        if len(body):
            body[-1].tail = (body[-1].tail or "") + builder.after_body
        else:
            body.text = (body.text or "") + builder.after_body
    return builder.root
