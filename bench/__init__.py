"""Benchmarks for Charter's pure calculation modules; run with ``python -m bench``.

Each module here (not starting with ``_``) exposes ``run() -> bool``, returning whether its
goals passed.
"""
