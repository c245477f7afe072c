"""The stakeholders REST API, by domain: ``register`` (the register and the communication plan),
``raci`` (the matrix, written a row at a time, and its CSV), ``meetings`` (meetings with their
iCalendar invitation, the decision log, action items) and ``approvals`` (requests, decisions by
their approver only, and each user's "waiting for my approval" and "my actions" lists).

Project resources are ``projects.api.base.ProjectScopedViewSet``s (viewers read, members write)
and every write goes through ``stakeholders.services``: serializers check the shape of a body and
that ids in it belong to the URL's project; the services hold the rules.
"""
