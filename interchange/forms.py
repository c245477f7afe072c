"""The upload form of a plan import."""

from django import forms


class ImportForm(forms.Form):
    file = forms.FileField(
        label="MS Project plan (XML)",
        help_text="In MS Project: File › Save As › “XML Format (*.xml)”. Up to 50 MB.",
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
