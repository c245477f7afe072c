"""Celery tasks of closure: the post-implementation review reminder."""
