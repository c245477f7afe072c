"""The projects app's API, by domain: ``base`` (the nested-resource base every app builds on),
``errors`` (pagination and the error shape, named in settings), ``auth`` (tokens, me),
``projects`` (projects, members, templates), ``scope`` (charter, objectives, WBS),
``deliverables`` (deliverables, requirements, traceability) and ``changes`` (change requests).

Deliberately free of imports: DRF loads ``projects.api.errors`` through its settings while its
own ``viewsets`` module is still importing, so importing the viewsets here would be a cycle.
Import from the submodules (``from projects.api.base import ProjectScopedViewSet``).
"""
