"""Telling a file's kind from its bytes (projects.filetypes): no database, bytes in, type out."""

import io
import zipfile

import openpyxl
import pytest

from projects.filetypes import SAMPLE_BYTES, Refused, sniff

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 16
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 100
ELF = b"\x7fELF\x02\x01\x01" + b"\x00" * 60


def _xlsx() -> bytes:
    buffer = io.BytesIO()
    openpyxl.Workbook().save(buffer)
    return buffer.getvalue()


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("minutes.txt", "Agreed: go live on Monday.")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (PDF, "invoice.pdf", "application/pdf"),
        (PNG, "screenshot.png", "image/png"),
        (_zip(), "evidence.zip", "application/zip"),
        (b"Minutes of the steering committee\n", "minutes.txt", "text/plain"),
        (b"task,hours\nBuild,6\n", "hours.csv", "text/csv"),
        ("Café;3\n".encode("cp1252"), "windows.csv", "text/csv"),
        ("Zürich\n".encode("utf-16"), "notes.txt", "text/plain"),
    ],
    ids=["pdf", "png", "zip", "text", "csv", "cp1252-csv", "utf16-text"],
)
def test_sniff_keeps_documents_images_archives_and_text(data, name, expected):
    """Files of the kinds Charter keeps are told by their bytes."""
    assert sniff(data[:SAMPLE_BYTES], name) == expected


def test_sniff_tells_an_excel_workbook_from_a_plain_zip():
    """An .xlsx is a zip inside, but it is named by what it is: an Excel workbook."""
    assert sniff(_xlsx()[:SAMPLE_BYTES], "plan.xlsx") == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )


def test_sniff_ignores_the_name_for_what_the_bytes_are():
    """A PNG named report.pdf is a PNG; text named report.pdf is text."""
    assert sniff(PNG, "report.pdf") == "image/png"
    assert sniff(b"Not a PDF at all", "report.pdf") == "text/plain"


@pytest.mark.parametrize(
    ("data", "says"),
    [
        (EXE, "EXE files"),
        (ELF, "ELF files"),
        (b"<!DOCTYPE html><script>alert(document.cookie)</script>", "HTML, SVG or XML"),
        (b"\xef\xbb\xbf\n  <svg xmlns='http://www.w3.org/2000/svg' onload='alert(1)'/>", "HTML"),
        (b"<?xml version='1.0'?><root/>", "HTML, SVG or XML"),
        (b"\x00\x01\x02\x03\x04 binary of no known kind", "could not tell"),
        (b"", "empty"),
    ],
    ids=["exe", "elf", "html", "svg", "xml", "unknown-binary", "empty"],
)
def test_sniff_refuses_programs_and_pages_named_report_pdf(data, says):
    """A program or a page is refused with the reason, even named report.pdf."""
    with pytest.raises(Refused, match=says):
        sniff(data, "report.pdf")


@pytest.mark.parametrize("name", ["run.bat", "install.PS1", "page.html", "logo.svg", "a.hta"])
def test_sniff_refuses_names_a_desktop_would_run(name):
    """Text that a desktop would run or render once downloaded is refused by its name."""
    with pytest.raises(Refused, match="zip archive"):
        sniff(b"echo hello\n", name)
