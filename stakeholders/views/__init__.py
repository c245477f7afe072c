"""Stakeholder pages, by domain: ``register`` (register, power/interest grid, engagement,
communication plan), ``raci``, ``meetings`` (meetings, decision log, actions) and ``approvals``
(approvals and the user's "my work")."""
