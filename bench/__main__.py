"""Run the benchmarks: ``python -m bench`` for all, ``python -m bench engine`` for one."""

import importlib
import pkgutil
import sys

import bench


def available() -> list[str]:
    """Benchmark modules in this package: every module not starting with an underscore."""
    return sorted(
        info.name for info in pkgutil.iter_modules(bench.__path__) if not info.name.startswith("_")
    )


def main(argv: list[str]) -> int:
    names = argv or available()
    unknown = sorted(set(names) - set(available()))
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; available: {', '.join(available())}")
        return 2
    passed = True
    for name in names:
        print(f"== bench.{name} ==")
        passed = importlib.import_module(f"bench.{name}").run() and passed
    return 0 if passed else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
