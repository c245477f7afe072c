"""The import contracts in pyproject.toml ([tool.importlinter]): DESIGN's floors and the purity of
the engines hold on the tree, and a wrong import breaks them.

The wrong imports are written into a temporary copy of the apps, never into the tree.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _root_packages() -> list[str]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["tool"]["importlinter"]["root_packages"]


def _lint(cwd: Path, *contracts: str) -> subprocess.CompletedProcess[str]:
    args = [str(LINT_IMPORTS), "--no-cache", "--no-logo"]
    for contract in contracts:
        args += ["--contract", contract]
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=120, check=False
    )


def test_the_tree_keeps_every_contract():
    """lint-imports passes on the tree: no app imports a floor above it, no pure module Django."""
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.fixture
def tree_copy(tmp_path: Path) -> Path:
    """The apps' Python sources and pyproject.toml, copied to a temporary directory."""
    for package in _root_packages():
        shutil.copytree(
            ROOT / package,
            tmp_path / package,
            ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "templates", "static"),
        )
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


@pytest.mark.parametrize(
    ("module", "line", "contract", "name"),
    [
        # The ground floor reaching up to the top floor.
        ("projects/_wrong.py", "from reports import models\n", "floors", "Floors"),
        # budgets never imports risks (risks reads budgets for the forecast's cost side).
        ("budgets/_wrong.py", "import risks.services\n", "floors", "Floors"),
        # scheduling and stakeholders stand beside each other, independent.
        ("scheduling/_wrong.py", "import stakeholders.models\n", "floors", "Floors"),
        # An app importing config (only config gathers the apps).
        ("reports/_wrong.py", "import config.urls\n", "floors", "Floors"),
        # A pure module importing Django, directly or through a helper.
        ("budgets/evm.py", "from django.db import models\n", "pure", "Pure modules"),
        ("risks/simulation/_wrong.py", "import celery\n", "pure", "Pure modules"),
        ("projects/rag.py", "from projects import clock\n", "pure", "Pure modules"),
    ],
)
def test_a_wrong_import_breaks_its_contract(tree_copy, module, line, contract, name):
    """A wrong import written into a copy of the tree makes lint-imports fail on its contract."""
    assert _lint(tree_copy, contract).returncode == 0
    path = tree_copy / module
    existing = path.read_text() if path.exists() else ""
    path.write_text(existing + line)
    result = _lint(tree_copy, contract)
    assert result.returncode != 0, result.stdout + result.stderr
    assert f"{name}" in result.stdout and "BROKEN" in result.stdout, result.stdout


def test_no_app_imports_another_in_disguise():
    """No app looks a model up by label (apps.get_model) or imports a module by name
    (import_module) outside migrations: the contracts could not see those imports."""
    found = []
    for package in _root_packages():
        for path in (ROOT / package).rglob("*.py"):
            if "migrations" in path.parts:
                continue
            text = path.read_text()
            for needle in ("apps.get_model(", "import_module(", "__import__("):
                if needle in text:
                    found.append(f"{path.relative_to(ROOT)}: {needle}")
    assert found == []


def test_apps_register_their_demo_seeders_in_floor_order():
    """seed_demo runs each app's registered seeder in floor order, lowest floor first."""
    from projects.demo import demo_seeders

    labels = [label for label, _seed in demo_seeders()]
    assert labels == ["projects", "scheduling", "stakeholders", "budgets", "risks", "reports"]


def test_scheduling_registers_stage_gates_as_an_approval_subject():
    """The stage gate kind of approval is registered by scheduling, the app that owns Phase."""
    from projects.approval_subjects import approval_subject
    from scheduling.models import Phase

    subject = approval_subject("stage_gate")
    assert subject is not None and subject.model is Phase and subject.prefix == "phase"
