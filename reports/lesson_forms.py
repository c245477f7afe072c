"""Forms of the lessons learned pages: a lesson, and the search across projects. They check what
a person typed; ``reports.services.lessons`` holds the rules (tags, required text)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from projects.forms import VersionedForm
from projects.models import Project
from reports.models import LessonLearned
from reports.selectors.lessons import MAX_SEARCH_LENGTH
from reports.services.lessons import MAX_TAG_LENGTH, MAX_TAGS, REQUIRED_TEXT, normalise_tags


class LessonForm(VersionedForm):
    tags = forms.CharField(
        required=False,
        max_length=MAX_TAGS * (MAX_TAG_LENGTH + 2),
        help_text=f"Separated by commas, e.g. “vendor, sla”: up to {MAX_TAGS} tags of "
        f"{MAX_TAG_LENGTH} characters.",
    )

    class Meta:
        model = LessonLearned
        fields = ("category", "title", "what_happened", "impact", "recommendation", "tags")
        widgets = {
            "what_happened": forms.Textarea(attrs={"rows": 4}),
            "impact": forms.Textarea(attrs={"rows": 3}),
            "recommendation": forms.Textarea(attrs={"rows": 3}),
        }
        labels = {"what_happened": "What happened", "recommendation": "Recommendation"}
        error_messages = {name: {"required": message} for name, message in REQUIRED_TEXT.items()}
        help_texts = {
            "impact": "What it cost or saved: days, money, quality, morale.",
            "recommendation": "What the next project should do (or avoid).",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Tags are a list on the model and one line of text here.
        self.initial["tags"] = ", ".join(self.instance.tags or [])

    def clean_tags(self) -> list[str]:
        try:
            return normalise_tags(self.cleaned_data["tags"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["tags"]) from None

    def changes(self) -> dict[str, Any]:
        changes = super().changes()
        # self.instance already holds the new values once validated: compare with what was shown.
        if "tags" in changes and changes["tags"] == normalise_tags(self.initial["tags"]):
            # "a,b" typed again as "a, b" is no change.
            del changes["tags"]
        return changes


class LessonSearchForm(forms.Form):
    """The search across projects; invalid filters are reported and ignored."""

    q = forms.CharField(label="Search", required=False, max_length=MAX_SEARCH_LENGTH)
    category = forms.ChoiceField(
        label="Category",
        required=False,
        choices=[("", "All categories"), *LessonLearned.Category.choices],
    )
    project_type = forms.ChoiceField(
        label="Project type",
        required=False,
        choices=[("", "All types"), *Project.Type.choices],
    )
    tag = forms.CharField(label="Tag", required=False, max_length=MAX_TAG_LENGTH)

    def filters(self) -> dict[str, str]:
        if not self.is_bound:
            return {"text": "", "category": "", "project_type": "", "tag": ""}
        self.is_valid()
        data = self.cleaned_data
        return {
            "text": data.get("q") or "",
            "category": data.get("category") or "",
            "project_type": data.get("project_type") or "",
            "tag": data.get("tag") or "",
        }

    @property
    def is_filtered(self) -> bool:
        return any(self.filters().values())
