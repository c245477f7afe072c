"""Signals through which higher apps follow the schedule without scheduling importing them.

Apps stand in floors (DESIGN §1): ``scheduling`` never imports ``budgets`` or ``reports``.

``schedule_recomputed``
    Sent by ``services.schedule_recompute`` (inside the transaction of the edit, with the project
    row locked) after it has written the engine's dates. Those dates are written with one
    ``UPDATE … FROM (VALUES …)`` per batch, not per-row saves, so no ``post_save`` tells anyone
    that tasks moved; this signal does. Arguments: ``project`` and ``changed`` (how many tasks'
    computed values changed, possibly 0: a calendar edit can move the status-date arithmetic
    without moving a task), and ``drivers_moved`` (whether a task another project waits for
    moved: the scheduling app's own receiver then queues those projects' recompute).
    ``reports`` listens and queues a KPI refresh after the commit.
"""

from django.dispatch import Signal

schedule_recomputed = Signal()
