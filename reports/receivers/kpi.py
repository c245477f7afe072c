"""Receivers that queue a KPI refresh soon after a relevant change (debounced)."""
