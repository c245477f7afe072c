"""What kind of file an upload is, told from its bytes, and whether Charter keeps that kind.

The browser's Content-Type and the file's name are the uploader's word; an ``.exe`` or an HTML
page named ``report.pdf`` and sent as ``application/pdf`` is still what its bytes say. So the
type is sniffed here: files with a signature (PDF, Office and OpenDocument files, images,
archives, audio and video) by the ``filetype`` package, files without one by looking whether
they are plain text. Only the kinds in ``ALLOWED`` are kept. Pages a browser could run (HTML,
SVG, XML and anything else that starts with markup) and programs are refused, so an attachment
can never become stored cross-site scripting or malware handed out under Charter's name, even
though downloads are always served as attachments with ``nosniff``.

Pure: no Django, tested on bytes alone.
"""

from __future__ import annotations

import codecs

import filetype

__all__ = ["ALLOWED", "SAMPLE_BYTES", "Refused", "sniff"]

# How much of the file is read to tell its kind (filetype reads at most 8 KiB; an Office file's
# signature sits in its first zip entries).
SAMPLE_BYTES = 8192

DOCUMENTS = {
    "application/pdf": "PDF",
    "application/msword": "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "Word document",
    "application/vnd.ms-excel": "Excel workbook",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "Excel workbook",
    "application/vnd.ms-powerpoint": "PowerPoint presentation",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": (
        "PowerPoint presentation"
    ),
    "application/vnd.oasis.opendocument.text": "OpenDocument text",
    "application/vnd.oasis.opendocument.spreadsheet": "OpenDocument spreadsheet",
    "application/vnd.oasis.opendocument.presentation": "OpenDocument presentation",
    "application/rtf": "Rich text document",
}
IMAGES = {
    "image/jpeg": "JPEG image",
    "image/png": "PNG image",
    "image/gif": "GIF image",
    "image/webp": "WebP image",
    "image/tiff": "TIFF image",
    "image/bmp": "Bitmap image",
    "image/heic": "HEIC image",
    "image/avif": "AVIF image",
}
ARCHIVES = {
    "application/zip": "Zip archive",
    "application/x-7z-compressed": "7-Zip archive",
    "application/x-rar-compressed": "RAR archive",
    "application/gzip": "Gzip archive",
    "application/x-tar": "Tar archive",
    "application/x-bzip2": "Bzip2 archive",
    "application/x-xz": "XZ archive",
}
MEDIA = {
    "audio/mpeg": "MP3 audio",
    "audio/mp4": "M4A audio",
    "audio/x-wav": "WAV audio",
    "video/mp4": "MP4 video",
    "video/quicktime": "QuickTime video",
    "video/webm": "WebM video",
}
TEXT = {"text/plain": "Text file", "text/csv": "CSV file"}
# Every kind Charter keeps, with how a person would name it.
ALLOWED: dict[str, str] = {**DOCUMENTS, **IMAGES, **ARCHIVES, **MEDIA, **TEXT}

KINDS_ACCEPTED = (
    "PDF, Office and OpenDocument files, images, archives (zip, 7z, rar, gz, tar), audio and "
    "video, plain text and CSV"
)

# Names a desktop runs or renders when the downloaded file is opened, whatever its bytes: a
# "text" file named run.bat or page.html is refused like the program or page it would become.
RISKY_SUFFIXES = frozenset(
    ".bat .cmd .com .cpl .exe .gadget .hta .htm .html .inf .jar .js .jse .lnk .msc .msi .msp "
    ".pif .ps1 .psm1 .reg .scf .scr .sh .shtml .svg .svgz .url .vb .vbe .vbs .ws .wsc .wsf .wsh "
    ".xht .xhtml .xml .xsl".split()
)

# Control characters that plain text does not contain (tab, line feed, form feed, carriage
# return and escape may appear in text exported by real programs).
_BINARY = bytes(set(range(32)) - {9, 10, 12, 13, 27})


class Refused(ValueError):
    """The file is of a kind Charter does not keep; the message says why, for the uploader."""


def sniff(sample: bytes, name: str) -> str:
    """The media type of a file from its first ``SAMPLE_BYTES`` bytes, if Charter keeps it.

    ``name`` never makes a file what it is not: it only refuses names that a desktop would run
    or render (``RISKY_SUFFIXES``) and tells CSV from plain text. Raises ``Refused`` for an
    empty file, a kind outside ``ALLOWED``, markup, programs and risky names.
    """
    if not sample:
        raise Refused("The file is empty.")
    suffix = "." + name.rsplit(".", 1)[-1].lower() if "." in name else ""
    if suffix in RISKY_SUFFIXES:
        raise Refused(
            f"Charter does not keep {suffix} files (a computer would run or render them when "
            "opened): put the file in a zip archive to attach it."
        )
    kind = filetype.guess(sample)
    if kind is not None:
        if kind.mime in ALLOWED:
            return kind.mime
        raise Refused(
            f"Charter does not keep {kind.extension.upper()} files ({kind.mime}): attach "
            f"{KINDS_ACCEPTED}."
        )
    text = _as_text(sample)
    if text is None:
        raise Refused(
            f"Charter could not tell what kind of file this is from its content: attach "
            f"{KINDS_ACCEPTED}."
        )
    if text.lstrip("\ufeff \t\r\n").startswith("<"):
        raise Refused(
            "Charter does not keep HTML, SVG or XML files (a browser could run scripts in them): "
            "put the file in a zip archive to attach it."
        )
    if name.lower().endswith((".csv", ".tsv")):
        return "text/csv"
    return "text/plain"


def _as_text(sample: bytes) -> str | None:
    """The sample as text (UTF-8, UTF-16 with its byte-order mark, or a single-byte code page),
    or None when it holds bytes that text never does."""
    for bom, encoding in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if sample.startswith(bom):
            try:
                text = codecs.getincrementaldecoder(encoding)().decode(sample[len(bom) :])
            except UnicodeDecodeError:
                return None
            return None if any(ord(c) < 32 and c not in "\t\n\f\r\x1b" for c in text) else text
    if any(byte in _BINARY for byte in sample):
        return None
    try:
        # A multi-byte character cut at the sample's end is not an error (final=False).
        return codecs.getincrementaldecoder("utf-8")().decode(sample)
    except UnicodeDecodeError:
        return sample.decode("cp1252", errors="replace")  # Windows exports (accents in CSV)
