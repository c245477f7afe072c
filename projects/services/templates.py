"""Project templates: start a project from one, or save any project as one."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction

from projects.models import Project, ProjectTemplate, WorkPackage
from projects.models.scope import validate_template_content
from projects.services.project import project_create
from projects.services.scope import deliverable_create, objective_create, wbs_import


@transaction.atomic
def template_apply(*, project: Project, by: AbstractBaseUser, template: ProjectTemplate) -> None:
    """Add a template's objectives, WBS, deliverables and requirement categories to a project."""
    content = template.content
    validate_template_content(content)
    for item in content.get("objectives", []):
        objective_create(
            project=project,
            by=by,
            description=item["description"],
            measure=item.get("measure", "") or item["description"],
            unit=item.get("unit", ""),
        )
    wbs_import(project=project, by=by, nodes=content.get("work_packages", []))
    for item in content.get("deliverables", []):
        deliverable_create(
            project=project,
            by=by,
            name=item["name"],
            description=item.get("description", ""),
            criteria=item.get("criteria", []),
        )
    categories = list(project.requirement_categories)
    for name in content.get("requirement_categories", []):
        if name not in categories:
            categories.append(name)
    project.requirement_categories = categories
    project._history_user = by
    project.save(update_fields=["requirement_categories"])


@transaction.atomic
def project_create_from_template(
    *, by: AbstractBaseUser, template: ProjectTemplate, **project_fields: Any
) -> Project:
    """A new project pre-filled from ``template``; its creator is its manager."""
    project_fields.setdefault("type", template.type)
    project_fields.setdefault("methodology", template.methodology)
    project = project_create(by=by, **project_fields)
    template_apply(project=project, by=by, template=template)
    return project


def _wbs_tree(project: Project) -> list[dict]:
    nodes = list(
        WorkPackage.objects.filter(project=project)
        .order_by("sort_key")
        .values("id", "parent_id", "name", "description")
    )
    by_id: dict[int, dict] = {}
    roots: list[dict] = []
    for node in nodes:  # sort_key order puts every parent before its children
        entry = {"name": node["name"], "children": []}
        if node["description"]:
            entry["description"] = node["description"]
        by_id[node["id"]] = entry
        (by_id[node["parent_id"]]["children"] if node["parent_id"] else roots).append(entry)
    return roots


@transaction.atomic
def template_from_project(
    *, project: Project, by: AbstractBaseUser, name: str, description: str = ""
) -> ProjectTemplate:
    """Save a project's objectives, WBS, deliverables and requirement categories as a template."""
    categories = list(project.requirement_categories)
    for category in (
        project.requirements.exclude(category="").values_list("category", flat=True).distinct()
    ):
        if category not in categories:
            categories.append(category)
    content = {
        "objectives": [
            {"description": o.description, "measure": o.measure, "unit": o.unit}
            for o in project.objectives.all()
        ],
        "work_packages": _wbs_tree(project),
        "deliverables": [
            {
                "name": d.name,
                "description": d.description,
                "criteria": [c.text for c in d.criteria.all()],
            }
            for d in project.deliverables.prefetch_related("criteria")
        ],
        "requirement_categories": categories,
    }
    template = ProjectTemplate(
        name=name.strip(),
        type=project.type,
        methodology=project.methodology,
        description=description or f"Saved from {project.key} · {project.name}.",
        content=content,
        created_by=by,
    )
    template.full_clean()
    template.save()
    return template
