"""The upload form of a plan import, and the webhook form."""

from django import forms

from interchange.webhooks import WEBHOOK_EVENTS


class ImportForm(forms.Form):
    file = forms.FileField(
        label="Plan file",
        help_text="MS Project XML (File › Save As › “XML Format (*.xml)”), or an MS Project "
        ".mpp (98 to 2019 and later), .mpx, Primavera .xer or P6 XML file. Up to 50 MB and "
        "20,000 tasks.",
    )
    name = forms.CharField(
        label="Project name",
        required=False,
        max_length=200,
        help_text="Left empty: the plan's title.",
    )
    key = forms.CharField(
        label="Key",
        required=False,
        max_length=10,
        help_text="2 to 10 capital letters or digits; left empty: made from the name.",
    )


class WebhookForm(forms.Form):
    """A webhook's address and events; the secret only when it is registered (or replaced)."""

    url = forms.URLField(
        label="Payload URL",
        max_length=2000,
        assume_scheme="https",
        help_text="Charter POSTs JSON here; http:// or https:// to a public address.",
    )
    events = forms.MultipleChoiceField(
        label="Events",
        choices=[("*", "Every event (and those added later)"), *WEBHOOK_EVENTS.items()],
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Choose at least one event."},
    )
    secret = forms.CharField(
        label="Secret",
        required=False,
        max_length=200,
        help_text="Left empty: Charter makes one, shown once after saving.",
    )
    is_active = forms.BooleanField(label="Active", required=False, initial=True)
