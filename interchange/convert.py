"""Plans in other formats turned into MS Project XML by MPXJ, so one importer reads them all.

MPXJ (the ``mpxj`` package on PyPI ships its jars) reads MS Project's binary ``.mpp`` (98 to
2019 and later), ``.mpx``, Primavera's ``.xer`` and P6 XML, and more (Planner,
GanttProject, Phoenix, Asta…). Its own converter, ``org.mpxj.sample.MpxjConvert``, runs in a
``java`` subprocess: a JVM started inside a Python process cannot be restarted and does not
survive Celery's prefork workers, and a subprocess can be time-limited, memory-capped and
killed. It writes MSPDI, which ``interchange.mspdi`` reads like a file saved by MS Project.

One JVM start costs about 1–2 s, so a conversion takes a few seconds even for a small plan: it
runs on the worker (``services.import_prepare``), and the result is kept with the upload.

Pure of Django apart from reading the settings (``MPXJ_JAVA``, ``MPXJ_TIMEOUT``,
``MPXJ_MEMORY_MB``).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from django.conf import settings

MSPDI_NAMESPACE = b"http://schemas.microsoft.com/project"
CONVERTER = "org.mpxj.sample.MpxjConvert"
# The MSPDI MPXJ writes can be much larger than the file it read (a 5,500-task .xer of 1 MB
# gives 12 MB of XML): its own cap, above the 50 MB of an upload.
MAX_CONVERTED_BYTES = 250 * 1024 * 1024
NEEDS_JAVA = (
    "Reading .mpp, .mpx, .xer and Primavera P6 XML files needs a Java runtime on the server, "
    "which is not installed. MS Project XML works without it: in MS Project, File › Save As › "
    "“XML Format (*.xml)”, and upload that."
)
CANNOT_READ = "This file could not be read as a project plan: "
_DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)


class ConvertError(ValueError):
    """A file MPXJ could not turn into MS Project XML; ``message`` says why, for a person."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def file_format(data: bytes, filename: str = "") -> str:
    """What the upload is, from its first bytes (an extension can lie): one of
    ``models.Import.Format``'s values. ``mspdi`` is read directly; every other one through
    MPXJ."""
    head = data[:4096]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):  # XML saved as UTF-16
        head = head.decode("utf-16", "ignore").encode()
    head = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    named_xml = filename.lower().endswith(".xml")
    if head.startswith(b"<"):
        if MSPDI_NAMESPACE in head:
            return "mspdi"
        if b"APIBusinessObjects" in head:
            return "p6xml"
        # Other XML named .xml: the MSPDI reader says what it is not; .gan, .planner…: MPXJ.
        return "mspdi" if named_xml else "mpxj"
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # an OLE2 compound file
        return "mpp"
    if head.startswith(b"MPX"):
        return "mpx"
    if head.startswith(b"ERMHDR"):
        return "xer"
    # Not XML, named .xml: the MSPDI reader's "not an XML file" is the answer.
    return "mspdi" if named_xml or not head else "mpxj"


def java_command() -> str | None:
    """The ``java`` to run, or None when there is none (``MPXJ_JAVA`` names another)."""
    java = settings.MPXJ_JAVA
    if os.sep in java:
        return java if os.access(java, os.X_OK) and Path(java).is_file() else None
    return shutil.which(java)


def jar_directory() -> Path | None:
    """The folder of MPXJ's jars inside the installed ``mpxj`` package. Found without importing
    it: its ``__init__`` starts JPype, which is not wanted here."""
    spec = importlib.util.find_spec("mpxj")
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(next(iter(spec.submodule_search_locations))) / "lib"
    return folder if (folder / "mpxj.jar").is_file() else None


def available() -> bool:
    """Whether plans other than MS Project XML can be read here (Java and MPXJ installed)."""
    return java_command() is not None and jar_directory() is not None


def java_command_line(java: str, jars: Path, main: str, *arguments: str) -> list[str]:
    """``java`` running MPXJ's class ``main``, heap capped at ``MPXJ_MEMORY_MB``."""
    return [
        java,
        f"-Xmx{settings.MPXJ_MEMORY_MB}m",
        # One thread converts a file: the serial collector, and the quick compiler only (a
        # conversion is short: C2 costs more CPU than it saves, 1.8 s against 1.1 s for an .mpp
        # of 17 tasks, 4.0 s against 1.9 s for a .xer of 5,500).
        "-XX:+UseSerialGC",
        "-XX:TieredStopAtLevel=1",
        "-Djava.awt.headless=true",
        # MPXJ logs through Log4j's API without a provider: quiet its one-line complaint.
        "-Dlog4j2.loggerContextFactory=org.apache.logging.log4j.simple.SimpleLoggerContextFactory",
        "-cp",
        f"{jars}{os.sep}*",
        main,
        *arguments,
    ]


def to_mspdi(data: bytes, filename: str = "plan") -> bytes:
    """``data`` (an .mpp, .mpx, .xer, P6 XML… file) as MS Project XML. Raises
    :class:`ConvertError` when there is no Java, the file is not a plan MPXJ reads, or the
    conversion takes longer than ``MPXJ_TIMEOUT`` seconds or more than ``MPXJ_MEMORY_MB``."""
    is_xml = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")
    if is_xml and _DECLARATION.search(data[:65536]):
        # As for MS Project XML: no plan format needs one, and an external entity could read
        # the server's files (MPXJ refuses them too, with a stack trace instead of a reason).
        raise ConvertError(
            f"{CANNOT_READ}it declares a document type or entities, which plan files never "
            "carry; it is refused for safety."
        )
    java, jars = java_command(), jar_directory()
    if java is None or jars is None:
        raise ConvertError(NEEDS_JAVA)
    # The file's own name (MS Project XML names the plan after it when it has no title), made
    # safe for a path; the suffix as it came, though MPXJ tells the format from the bytes.
    stem = re.sub(r"[^\w-]", "_", Path(filename).stem)[:100] or "plan"
    suffix = re.sub(r"[^a-z0-9]", "", Path(filename).suffix.lower())[:10] or "bin"
    with tempfile.TemporaryDirectory(prefix="charter-mpxj-") as folder:
        source = Path(folder) / "in" / f"{stem}.{suffix}"
        target = Path(folder) / f"{stem}.xml"
        source.parent.mkdir()
        source.write_bytes(data)
        command = java_command_line(java, jars, CONVERTER, str(source), str(target))
        try:
            done = subprocess.run(
                command,
                cwd=folder,
                capture_output=True,
                timeout=settings.MPXJ_TIMEOUT,
                check=False,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            raise ConvertError(
                f"{CANNOT_READ}reading it took longer than {settings.MPXJ_TIMEOUT} seconds."
            ) from None
        except OSError as error:  # the java named cannot be started
            raise ConvertError(f"{NEEDS_JAVA} ({error.strerror or error})") from None
        if done.returncode != 0 or not target.is_file():
            raise ConvertError(CANNOT_READ + _reason(done.stdout + b"\n" + done.stderr))
        if target.stat().st_size > MAX_CONVERTED_BYTES:
            raise ConvertError(f"{CANNOT_READ}it is too large to import.")
        return target.read_bytes()


def _reason(output: bytes) -> str:
    """MPXJ's reason in a line a person can read: the exception's message, not its trace."""
    text = output.decode("utf-8", "replace")
    if "OutOfMemoryError" in text:
        return f"it needs more than {settings.MPXJ_MEMORY_MB} MB of memory to read."
    match = re.search(r"Conversion Error:\s*(?:[\w.$]+(?:Exception|Error):\s*)?(.+)", text)
    reason = (match.group(1).strip() if match else "") or "MPXJ gave no reason."
    if reason == "Unsupported file type":
        return (
            "it is not a format MPXJ knows (MS Project .mpp, .mpx or XML, Primavera .xer "
            "or P6 XML, and others), or it is damaged."
        )
    return reason.rstrip(".")[:300] + "."
