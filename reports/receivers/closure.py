"""Receivers of closure: the sponsor's approval of the closure closes the project."""
