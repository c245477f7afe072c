"""HTML to PDF for the status report and the closure report (WeasyPrint, DESIGN §4).

One path for every PDF Charter makes: render a template to HTML, then ``html_to_pdf``. Charts are
inline SVG in that HTML, which WeasyPrint draws as vectors. The stylesheet is the print
stylesheet under ``static/css/print.css``; no URL is fetched from the network while rendering.
"""

from __future__ import annotations

from django.contrib.staticfiles import finders


class PdfUnavailable(RuntimeError):
    """WeasyPrint cannot run here (its system libraries, Pango, are missing)."""


def _no_network(url: str, *args, **kwargs):
    raise ValueError(f"Charter's PDFs do not fetch resources ({url}).")


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
    return weasyprint.HTML(string=html, url_fetcher=_no_network).write_pdf(stylesheets=stylesheets)
