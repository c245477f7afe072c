"""Stakeholder register, RACI, communication plan, meetings, decisions, approvals."""
