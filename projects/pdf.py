"""HTML to PDF, and a PDF page to PNG: one path for every printable Charter makes (the status
report, the closure report, the Gantt chart, the risk register, the RACI matrix; DESIGN §4).

Render a template to HTML, then ``html_to_pdf`` (WeasyPrint). Charts are inline SVG in that HTML,
or SVG images inlined as ``data:`` URIs, which WeasyPrint draws as vectors. The stylesheet is
the print stylesheet under ``static/css/print.css``; nothing is fetched from the network or the
disk while rendering. WeasyPrint makes no
images, so ``pdf_page_png`` rasterises one page of the PDF with Poppler's ``pdftoppm`` (Debian's
poppler-utils, installed by ``scripts/ensure-system-libs``): the PNG is that page, pixel for pixel.
It lives on the ground floor so that every app that prints reaches it from below.
"""

from __future__ import annotations

import shutil
import subprocess

from django.contrib.staticfiles import finders

__all__ = ["PdfUnavailable", "html_to_pdf", "pdf_page_png"]

# pdftoppm draws one A3 page at 300 dpi in about a second; far longer means something is wrong.
PNG_TIMEOUT_S = 60


class PdfUnavailable(RuntimeError):
    """WeasyPrint (Pango) or Poppler's pdftoppm is missing: PDFs or their PNGs cannot be made."""


def _no_network(url: str, *args, **kwargs):
    raise ValueError(f"Charter's PDFs do not fetch resources ({url}).")


def _fetcher(weasyprint):
    """Only ``data:`` URIs (images inlined by the template), never the network or files.

    WeasyPrint 70 takes a ``URLFetcher`` (a plain function there fails on the first URL, with
    an AttributeError rather than a warning); older versions take a function."""
    fetcher = getattr(weasyprint.urls, "URLFetcher", None)
    if fetcher is not None:
        return fetcher(allowed_protocols={"data"})
    return lambda url, *args, **kwargs: (
        weasyprint.default_url_fetcher(url, *args, **kwargs)
        if url.startswith("data:")
        else _no_network(url)
    )


def html_to_pdf(html: str) -> bytes:
    """The PDF of a whole HTML document."""
    try:
        import weasyprint
    except OSError as error:  # Pango missing: say what to install rather than a traceback
        raise PdfUnavailable(
            "PDFs need Pango (Debian: libpango-1.0-0 libpangoft2-1.0-0); "
            "run scripts/ensure-system-libs."
        ) from error
    stylesheets = []
    css = finders.find("css/print.css")
    if css:
        stylesheets.append(weasyprint.CSS(filename=css))
    document = weasyprint.HTML(string=html, url_fetcher=_fetcher(weasyprint))
    return document.write_pdf(stylesheets=stylesheets)


def pdf_page_png(pdf: bytes, *, page: int = 1, dpi: int = 150) -> bytes:
    """Page ``page`` (from 1) of ``pdf`` as a PNG at ``dpi`` dots per inch (an A4 landscape page
    at 150 dpi is 1754 × 1240 pixels). The PDF goes in on stdin and the PNG comes out on stdout:
    no temporary files."""
    pdftoppm = shutil.which("pdftoppm")
    if pdftoppm is None:
        raise PdfUnavailable(
            "PNG images need Poppler's pdftoppm (Debian: poppler-utils); "
            "run scripts/ensure-system-libs."
        )
    command = [pdftoppm, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile"]
    done = subprocess.run(  # noqa: S603 (a fixed program and numbers, no shell)
        [*command, "-"],
        input=pdf,
        capture_output=True,
        timeout=PNG_TIMEOUT_S,
        check=False,
    )
    if done.returncode != 0 or not done.stdout.startswith(b"\x89PNG"):
        raise RuntimeError(f"pdftoppm failed: {done.stderr.decode(errors='replace').strip()}")
    return done.stdout
