"""Scope and the project itself: Project, Membership and the access door to all project data."""
