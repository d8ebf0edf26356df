"""The PDF workers' HTML parser (pipeline/render/page_tree.py) builds tinyhtml5's very tree for
every scorecard page, and hands anything outside its subset back to tinyhtml5."""
from __future__ import annotations

import tinyhtml5
import pytest

from pipeline.render import page_tree
from pipeline.render.html import render_scorecard_html
from pipeline.render.sample import sample_model
from tests.test_render import HOSTILE, contract_page


def _shape(element, depth: int = 0, out: list | None = None) -> list:
    """Every element in document order: depth, tag, attributes, text and tail."""
    out = [] if out is None else out
    out.append((depth, element.tag, dict(element.attrib), element.text or "", element.tail or ""))
    for child in element:
        _shape(child, depth + 1, out)
    return out


def _html5(html: str) -> list:
    return _shape(tinyhtml5.parse(html, namespace_html_elements=False))


def _pages() -> dict[str, str]:
    bare = contract_page("en")
    for key in ("overall", "measures", "growth", "climate"):
        del bare[key]
    models = {"sample-en": sample_model("en"), "sample-es": sample_model("es"),
              "contract-es": contract_page("es"), "hostile": sample_model("en", name=HOSTILE),
              "ampersand": sample_model("en", name="Arts & Sciences <Academy> \"Ñandú\" 'K–8'"),
              "bare": bare}
    pages = {}
    for key, model in models.items():
        pages[f"{key}-pdf"] = render_scorecard_html(model, css_inline=False)
        pages[f"{key}-web"] = render_scorecard_html(model, css_inline=True)
    return pages


PAGES = _pages()


@pytest.mark.parametrize("key", sorted(PAGES))
def test_every_kind_of_scorecard_page_gives_tinyhtml5s_tree(key):
    html = PAGES[key]
    tree = page_tree.parse(html)
    assert tree is not None, "a scorecard page left the parser's subset"
    assert _shape(tree) == _html5(html)


def test_newlines_and_whitespace_around_head_and_body_as_html5_places_them():
    html = ("<!DOCTYPE html>\r\n<html lang=\"en\">\r\n <head>\n<title>a &amp; b</title>\n</head>\n \n"
            "<body>\r<p>x<br>y</p>\n<img src=\"a.png\" alt=\"\">tail\n</body>\n </html>\n\n")
    tree = page_tree.parse(html)
    assert tree is not None
    assert _shape(tree) == _html5(html)


@pytest.mark.parametrize("body", [
    "<p>a<div>b</div></p>",                       # a block closes the paragraph
    "<table><tr><td>a</td></tr></table>",          # HTML5 adds the tbody
    "<table><tbody><tr><td>a</td></tr>x</tbody></table>",  # text moved out of the table
    "<table><tbody><span>a</span></tbody></table>",
    "<ul><li>a<li>b</li></ul>",                    # an li closes the open li
    "<p>a</div>",                                  # an end tag that closes nothing
    "<div>a",                                      # left open
    "<div/>b",                                     # the slash is ignored
    "<!-- note --><p>a</p>",
    "<svg viewBox=\"0 0 1 1\"></svg>",             # foreign content: case-sensitive attributes
    "<pre>\na</pre>",                              # its first newline is dropped
    "<p>fish &chips</p>",                          # a bare ampersand
    "<p>&copy 2024</p>",
    "<p class=\"a\" class=\"b\">x</p>",            # duplicate attribute: HTML5 keeps the first
    "<h2><h3>a</h3></h2>",
    "<a href=\"#x\"><a href=\"#y\">b</a></a>",
    "</br>",
])
def test_anything_outside_the_subset_goes_to_tinyhtml5(body):
    from pipeline.render.pdf import ScorecardHTML

    html = f"<!DOCTYPE html>\n<html><head><title>t</title></head><body>{body}</body></html>"
    assert page_tree.parse(html) is None
    # and the PDF workers then read it as tinyhtml5 does
    assert _shape(ScorecardHTML(string=html).etree_element) == _html5(html)


def test_a_page_without_a_doctype_goes_to_tinyhtml5():
    """Without <!DOCTYPE html> an HTML5 parser is in quirks mode (a table does not close a <p>)."""
    assert page_tree.parse("<html><head></head><body><p>a</p></body></html>") is None


def test_the_pdf_is_the_same_bytes_whichever_parser_read_the_page(tmp_path, monkeypatch):
    from pipeline.render.pdf import render_pdf_one

    for lang in ("en", "es"):
        model = sample_model(lang)
        html = render_scorecard_html(model, css_inline=False)
        fast = render_pdf_one(html, tmp_path / f"fast-{lang}.pdf", model["title"], lang).read_bytes()
        with monkeypatch.context() as patch:
            patch.setattr(page_tree, "parse", lambda html: None)
            slow = render_pdf_one(html, tmp_path / f"slow-{lang}.pdf", model["title"], lang).read_bytes()
        assert fast == slow


def test_pool_workers_collect_once_per_pdf_and_freeze_what_they_keep(tmp_path):
    """A pool worker's collector walked the fonts, stylesheet and modules it keeps some 70 times
    per PDF (87 ms of a PDF's CPU): a worker collects once after each PDF and, after its first,
    freezes what it keeps. The caller's own process is left alone."""
    import gc

    from pipeline.render import pdf

    caller = gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()
    model = sample_model("en")
    html = render_scorecard_html(model, css_inline=False)
    with pdf.PdfPool(2) as pool:
        pool.render([(html, tmp_path / f"{i}.pdf", model["title"], "en") for i in range(4)])
        states = list(pool._pool.map(pdf._collector_state, range(8)))
    assert all(not automatic and frozen > 30_000 for automatic, frozen in states), states
    assert (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()) == caller
    pdf.render_pdf_one(html, tmp_path / "here.pdf", model["title"], "en")
    assert (gc.isenabled(), gc.get_threshold(), gc.get_freeze_count()) == caller
