"""Celery tasks of weekly status reports: the hourly due finder and each delivery."""
