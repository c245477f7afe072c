"""Browser pages of the projects app, by domain.

``project`` holds the portfolio and a project's own pages (create, overview, settings, members,
history), ``scope`` the charter, objectives and requirements, ``deliverables``, ``wbs`` and
``changes`` the rest of the scope (their shared helpers are in ``base``), ``account`` the
signed-in user's API tokens. ``projects/urls.py`` names each view by its module.
"""
