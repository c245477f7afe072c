"""Forms of the weekly status report pages: the manager's summary of the week."""

from __future__ import annotations

from django import forms

from reports.services.status import SUMMARY_MAX_CHARS


class SummaryForm(forms.Form):
    """The summary, with the version it was read at (a stale save is refused, DESIGN §3)."""

    summary = forms.CharField(
        label="Your summary",
        required=False,
        max_length=SUMMARY_MAX_CHARS,
        strip=True,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text="What happened this week, what comes next, and what you need from readers.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
