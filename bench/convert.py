"""Plans in other formats through MPXJ (``interchange.convert``): the time a worker spends
turning a file into MS Project XML before the importer reads it.

Two cases, each best of 3 (every run starts its own JVM, as an import does):
- ``mpp``: the largest ``.mpp`` of the test corpus (saved by MS Project 2016), converted and
  parsed; mostly the JVM's start.
- ``xer 5k``: bench.interchange's 5,000-task plan with 6,000 links, written as Primavera
  ``.xer`` by MPXJ itself (once, untimed: MPXJ cannot write ``.mpp``), converted back and
  parsed: how the conversion grows with a plan.

Goals: mpp < 5 s, xer 5k < 20 s (the worker's limit, ``MPXJ_TIMEOUT``, is 120 s).
No database.
"""

from __future__ import annotations

import subprocess
import tempfile
import time
from pathlib import Path

from bench import _django

DATA = Path(__file__).resolve().parent.parent / "tests" / "interchange" / "data"
GOALS_S = {"mpp": 5.0, "xer 5k": 20.0}
RUNS = 3


def run() -> bool:
    _django.setup()
    from bench.interchange import _file
    from interchange import convert, mspdi

    java, jars = convert.java_command(), convert.jar_directory()
    if java is None or jars is None:
        print("no Java runtime or no mpxj package: scripts/ensure-system-libs, pip install mpxj")
        return False
    version = subprocess.run(
        [java, "-version"], capture_output=True, text=True, check=False
    ).stderr.splitlines()[0]
    print(f"java: {version}; MPXJ jars: {jars}")
    largest = max(DATA.glob("*.mpp"), key=lambda p: p.stat().st_size)
    with tempfile.TemporaryDirectory() as folder:
        source, xer = Path(folder) / "plan.xml", Path(folder) / "plan.xer"
        source.write_bytes(_file())
        subprocess.run(
            convert.java_command_line(java, jars, convert.CONVERTER, str(source), str(xer)),
            check=True,
            capture_output=True,
            timeout=300,
        )
        cases = {
            "mpp": (largest.name, largest.read_bytes()),
            "xer 5k": ("plan.xer", xer.read_bytes()),
        }
    passed = True
    for name, (filename, data) in cases.items():
        best, tasks = float("inf"), 0
        convert_s = parse_s = 0.0
        for _ in range(RUNS):
            started = time.perf_counter()
            converted = convert.to_mspdi(data, filename)
            middle = time.perf_counter()
            plan = mspdi.parse(converted, max_bytes=convert.MAX_CONVERTED_BYTES)
            finished = time.perf_counter()
            if finished - started < best:
                best, convert_s, parse_s = finished - started, middle - started, finished - middle
            tasks = len(plan.tasks)
        goal = GOALS_S[name]
        verdict = "ok" if best < goal else "SLOW"
        print(
            f"  {name:7} {filename} ({len(data) / 1024:,.0f} KB, {tasks:,} tasks): "
            f"{best:5.2f} s (convert {convert_s:.2f} s, parse {parse_s:.2f} s; "
            f"goal < {goal:g} s) {verdict}"
        )
        passed = passed and best < goal
    return passed
