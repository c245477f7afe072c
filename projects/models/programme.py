"""Programmes: related projects steered together, with their own members and currency.

A project belongs to at most one programme (``Project.programme``). A programme member who is
not a member of one of its projects sees, for that project, only what the roll-up shows (name,
key, health, key dates, figures): through the programme's own selector, never through
``projects_for``, so every project page and endpoint stays 404 for them (DESIGN §3).

Project figures are converted into the programme's currency at ``ExchangeRate``s an
administrator enters, each effective from a date; a missing rate is shown as missing, never
guessed."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from simple_history.models import HistoricalRecords

from projects.currencies import CURRENCY_CHOICES
from projects.models.checks import PythonChecksMixin
from projects.models.project import key_validator


class Programme(PythonChecksMixin, models.Model):
    name = models.CharField(max_length=200)
    key = models.CharField(
        max_length=10,
        unique=True,
        validators=[key_validator],
        help_text="2–10 capital letters or digits, starting with a letter; e.g. CLOUDPGM.",
    )
    description = models.TextField(blank=True)
    currency = models.CharField(
        max_length=3,
        choices=CURRENCY_CHOICES,
        default="EUR",
        help_text="The roll-up's currency: project figures are converted at the entered rates.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    history = HistoricalRecords(excluded_fields=["updated_at", "version"])

    class Meta:
        ordering = ["key"]

    def __str__(self) -> str:
        return f"{self.key} · {self.name}"

    def get_absolute_url(self) -> str:
        return reverse("reports:programme", args=[self.pk])


class ProgrammeMembership(models.Model):
    class Role(models.TextChoices):
        MANAGER = "manager", "Programme manager"
        MEMBER = "member", "Member"

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="programme_memberships"
    )
    role = models.CharField(max_length=16, choices=Role.choices, default=Role.MEMBER)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["programme", "user"], name="programme_member_once")
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.programme.key} ({self.role})"


class ExchangeRate(PythonChecksMixin, models.Model):
    """One unit of ``source`` is worth ``rate`` units of ``target`` from ``effective_from`` on
    (until the next rate of the pair). The reverse pair is used inverted when only it exists."""

    source = models.CharField("from currency", max_length=3, choices=CURRENCY_CHOICES)
    target = models.CharField("to currency", max_length=3, choices=CURRENCY_CHOICES)
    rate = models.DecimalField(max_digits=18, decimal_places=8)
    effective_from = models.DateField()
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        editable=False,
    )
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords()

    class Meta:
        ordering = ["source", "target", "-effective_from"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "target", "effective_from"], name="exchange_rate_once_a_day"
            ),
            models.CheckConstraint(
                condition=Q(rate__gt=0),
                name="exchange_rate_positive",
                violation_error_message="A rate is a positive number.",
            ),
            models.CheckConstraint(
                condition=~Q(source=F("target")),
                name="exchange_rate_two_currencies",
                violation_error_message="A rate converts between two different currencies.",
            ),
        ]

    def __str__(self) -> str:
        return f"1 {self.source} = {self.rate} {self.target} from {self.effective_from}"
