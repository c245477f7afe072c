"""Fixtures of the stakeholders tests: a small WBS and a register."""

import pytest

from projects import services as project_services
from stakeholders import services


@pytest.fixture
def wbs(project, manager):
    """1 Design · 2 Build (2.1 Backend) · 3 Test."""
    design = project_services.work_package_add(project=project, by=manager, name="Design")
    build = project_services.work_package_add(project=project, by=manager, name="Build")
    backend = project_services.work_package_add(
        project=project, by=manager, name="Backend", parent=build
    )
    test = project_services.work_package_add(project=project, by=manager, name="Test")
    return {"Design": design, "Build": build, "Backend": backend, "Test": test}


@pytest.fixture
def people(project, manager):
    """Four stakeholders, one per quadrant, each at the edge of it (power/interest 2 or 3)."""
    spec = {
        "Sam Sponsor": (3, 3),  # manage closely
        "Cora CISO": (3, 2),  # keep satisfied
        "Ian Interested": (2, 3),  # keep informed
        "Mona Monitor": (2, 2),  # monitor
    }
    return {
        name: services.stakeholder_create(
            project=project,
            by=manager,
            name=name,
            email=f"{name.split()[0].lower()}@client.example",
            power=power,
            interest=interest,
        )
        for name, (power, interest) in spec.items()
    }
