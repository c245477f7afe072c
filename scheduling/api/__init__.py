"""The schedule's REST API, by domain: ``tasks`` (tasks, dependencies and the computed
``/schedule/``), ``calendar`` (working days and holidays), ``baselines``, ``agile`` (sprints and
the backlog) and ``phases`` (stages and their gate reviews).

Every viewset is a ``projects.api.base.ProjectScopedViewSet`` (viewers read, members write) and
every write goes through ``scheduling.services``: serializers check the shape of a body and that
ids in it belong to the URL's project; the services hold the rules and recompute the schedule in
the same transaction, so a write's response already carries the new dates.
"""
