"""The budgets REST API, by domain: ``budget`` (budget lines, the budget summary and earned
value), ``costs`` (cost entries with CSV import and export, commitments), ``resources``
(resources and their days off, assignments, time, utilisation and over-allocation) and
``levelling`` (preview, apply, undo).

Every viewset is a ``projects.api.base.ProjectScopedViewSet`` (viewers read, members write;
reserve lines and levelling are the manager's) and every write goes through
``budgets.services``: serializers check the shape of a body and that ids in it belong to the
URL's project; the services hold the rules, including the messages for malformed money.
"""
