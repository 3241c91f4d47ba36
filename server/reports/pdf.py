"""The daily report as a PDF: the printable page itself, laid out by WeasyPrint.

WeasyPrint turns the same HTML and print CSS the browser prints into a PDF,
so the printout and the PDF cannot drift apart, and the chart (an SVG) is
drawn crisply. It needs no network and no browser: Python packages from
PyPI and Pango from Debian (`libpango-1.0-0`, `libpangoft2-1.0-0`, with the
DejaVu fonts the pages already use), which Raspberry Pi OS has as well.
It is imported only when a PDF is asked for: loading it takes a moment.
"""

from __future__ import annotations


def from_html(html: str, css: str) -> bytes:
    from weasyprint import CSS, HTML

    document = HTML(string=html)
    pdf: bytes = document.write_pdf(stylesheets=[CSS(string=css)])
    return pdf
