"""Signals through which higher apps follow money without budgets importing them (DESIGN §1).

``cost_entries_imported``
    Sent by ``services.cost_entries_import`` (inside its transaction) after it has stored a file's
    rows. They are written in bulk (``bulk_create_with_history``), so no ``post_save`` is sent
    for them; this signal is. Arguments: ``project`` and ``entries`` (the created CostEntry
    rows). ``reports`` listens and queues a KPI refresh after the commit.
"""

from django.dispatch import Signal

cost_entries_imported = Signal()
