"""The risk register (DESIGN §4 "Risk"): the project's rating scale, risks with their
responses, schedule impacts on tasks and actions.

Rating: probability and impact 1–5, score = probability × impact, level low 1–4, medium 5–9,
high 10–16, critical 20–25 (17–19 cannot occur: no product of two numbers 1–5 falls there).

Expected monetary value (EMV) = the probability level's percentage × cost impact. The
percentages are part of the project's scale (``RiskScale.probability_percents``, by default
10/30/50/70/90 %: the middle of the bands "< 20 %", "20–40 %", "40–60 %", "60–80 %", "> 80 %"),
so a project that rates "likely" as 75 % gets that everywhere: EMV, exposure and the Monte
Carlo forecast (which fires a risk with the same percentage). Impacts are magnitudes (>= 0);
the kind gives their direction: a threat's EMV and impacts add cost and days, an opportunity's
take them away (its EMV is negative).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from simple_history.models import HistoricalRecords

from projects.models import AttachmentsRelation, CommentsRelation, Project
from projects.models.checks import PythonChecksMixin
from scheduling.models import Task

SCALE = range(1, 6)
CENT = Decimal("0.01")

# --- rating ---------------------------------------------------------------------------------------


class Level(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    CRITICAL = "critical", "Critical"


# The lowest score of each level (DESIGN §4): low 1–4, medium 5–9, high 10–16, critical 20–25.
LEVEL_FLOORS = ((20, Level.CRITICAL), (10, Level.HIGH), (5, Level.MEDIUM), (1, Level.LOW))


def level_for(score: int) -> Level:
    """The level of a score 1–25."""
    for floor, level in LEVEL_FLOORS:
        if score >= floor:
            return level
    raise ValueError(f"score {score} is outside 1-25")


def _level_condition(level: Level) -> Q:
    """The scores a stored level allows (the invariant as a database check)."""
    bounds = {
        Level.LOW: (1, 4),
        Level.MEDIUM: (5, 9),
        Level.HIGH: (10, 16),
        Level.CRITICAL: (20, 25),
    }[level]
    return Q(level=level.value, score__gte=bounds[0], score__lte=bounds[1])


def _rating_validators() -> list:
    return [MinValueValidator(1), MaxValueValidator(5)]


DEFAULT_PROBABILITY_PERCENTS = [10, 30, 50, 70, 90]
DEFAULT_PROBABILITY_LABELS = [
    "Rare (< 20%)",
    "Unlikely (20–40%)",
    "Possible (40–60%)",
    "Likely (60–80%)",
    "Almost certain (> 80%)",
]
# Impact n (2–5) means more than the (n - 2)-th threshold, in working days or % of the budget.
DEFAULT_IMPACT_DAYS = [2, 5, 20, 40]
DEFAULT_IMPACT_BUDGET_PERCENTS = [1, 5, 10, 20]
IMPACT_NAMES = ["Negligible", "Minor", "Moderate", "Major", "Severe"]


PROBABILITY_LABEL_MAX = 60


def _is_number(value: object) -> bool:
    # JSON booleans are ints in Python; a scale of true/false means nothing.
    return isinstance(value, int | float) and not isinstance(value, bool)


def validate_probability_percents(value: object) -> None:
    """Five whole percentages, 1–99 (0 % is no risk, 100 % is an issue), rising strictly."""
    if not isinstance(value, list) or len(value) != 5:
        raise ValidationError("Give five percentages, one per probability level 1 to 5.")
    for level, percent in enumerate(value, start=1):
        if not _is_number(percent) or percent != int(percent) or not 1 <= percent <= 99:
            raise ValidationError(
                f"Level {level}: give a whole percentage from 1 to 99 (0% is no risk, 100% is "
                "an issue)."
            )
    for level, (below, above) in enumerate(zip(value, value[1:], strict=False), start=2):
        if above <= below:
            raise ValidationError(
                f"Level {level} ({above:g}%) must be more likely than level {level - 1} "
                f"({below:g}%): the percentages rise from level 1 to 5."
            )


def validate_probability_labels(value: object) -> None:
    if not isinstance(value, list) or len(value) != 5:
        raise ValidationError("Give five labels, one per probability level 1 to 5.")
    for level, label in enumerate(value, start=1):
        if not isinstance(label, str) or not label.strip():
            raise ValidationError(f"Level {level}: give a label, e.g. “Likely”.")
        if len(label) > PROBABILITY_LABEL_MAX:
            raise ValidationError(
                f"Level {level}: keep the label to {PROBABILITY_LABEL_MAX} characters."
            )


def validate_thresholds(value: object) -> None:
    """Four rising numbers >= 0: the lower bounds of impact levels 2 to 5."""
    if not isinstance(value, list) or len(value) != 4:
        raise ValidationError("Give four thresholds, the lower bounds of impact levels 2 to 5.")
    for level, threshold in enumerate(value, start=2):
        if not _is_number(threshold) or threshold < 0:
            raise ValidationError(f"Impact {level}: give a threshold of 0 or more.")
    for level, (below, above) in enumerate(zip(value, value[1:], strict=False), start=3):
        if above <= below:
            raise ValidationError(
                f"Impact {level}'s threshold ({above:g}) must be above impact {level - 1}'s "
                f"({below:g}): the thresholds rise from impact 2 to 5."
            )


class RiskScale(PythonChecksMixin, models.Model):
    """What the numbers 1–5 mean in a project: the probability bands (with the percentage used
    for EMV and the forecast) and the impact thresholds in working days and % of budget."""

    project = models.OneToOneField(Project, on_delete=models.CASCADE, related_name="risk_scale")
    probability_percents = models.JSONField(
        default=list,
        validators=[validate_probability_percents],
        help_text="The chance (%) each probability level 1–5 stands for, e.g. 10, 30, 50, 70, 90.",
    )
    probability_labels = models.JSONField(default=list, validators=[validate_probability_labels])
    impact_days = models.JSONField(
        default=list,
        validators=[validate_thresholds],
        help_text="Impact 2–5 means a delay of more than these working days, e.g. 2, 5, 20, 40.",
    )
    impact_budget_percents = models.JSONField(
        default=list,
        validators=[validate_thresholds],
        help_text="… or a cost of more than these % of the budget, e.g. 1, 5, 10, 20.",
    )
    # The uncertainty a forecast may give tasks without a three-point estimate (optimistic =
    # duration − this %, pessimistic = duration + that %), applied when the run asks for it.
    default_optimistic_percent = models.PositiveSmallIntegerField(
        default=10,
        validators=[MaxValueValidator(100)],
        help_text="Default uncertainty: the optimistic estimate is this % shorter.",
    )
    default_pessimistic_percent = models.PositiveSmallIntegerField(
        default=25,
        validators=[MaxValueValidator(1000)],
        help_text="Default uncertainty: the pessimistic estimate is this % longer.",
    )
    version = models.PositiveIntegerField(default=1, editable=False)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(default_optimistic_percent__lte=100),
                name="risk_scale_default_optimistic_at_most_100",
                violation_error_message="An optimistic estimate cannot be more than 100 % shorter.",
            ),
        ]

    def __str__(self) -> str:
        return f"Risk scale of {self.project.key}"

    def save(self, *args, **kwargs) -> None:
        self.probability_percents = self.probability_percents or DEFAULT_PROBABILITY_PERCENTS
        self.probability_labels = self.probability_labels or DEFAULT_PROBABILITY_LABELS
        self.impact_days = self.impact_days or DEFAULT_IMPACT_DAYS
        self.impact_budget_percents = self.impact_budget_percents or DEFAULT_IMPACT_BUDGET_PERCENTS
        super().save(*args, **kwargs)

    @classmethod
    def default(cls, project: Project | None = None) -> RiskScale:
        """The scale a project uses until someone changes it (unsaved)."""
        return cls(
            project=project,
            probability_percents=list(DEFAULT_PROBABILITY_PERCENTS),
            probability_labels=list(DEFAULT_PROBABILITY_LABELS),
            impact_days=list(DEFAULT_IMPACT_DAYS),
            impact_budget_percents=list(DEFAULT_IMPACT_BUDGET_PERCENTS),
        )

    def percent(self, probability: int) -> int:
        """The chance, in %, that probability level ``probability`` stands for."""
        return (self.probability_percents or DEFAULT_PROBABILITY_PERCENTS)[probability - 1]

    def probability_meaning(self, probability: int) -> str:
        return (self.probability_labels or DEFAULT_PROBABILITY_LABELS)[probability - 1]

    def impact_meaning(self, impact: int) -> str:
        """E.g. impact 4: "Major: > 20 working days or > 10% of budget"."""
        days = self.impact_days or DEFAULT_IMPACT_DAYS
        budget = self.impact_budget_percents or DEFAULT_IMPACT_BUDGET_PERCENTS
        name = IMPACT_NAMES[impact - 1]
        if impact == 1:
            return f"{name}: ≤ {days[0]:g} working days and ≤ {budget[0]:g}% of budget"
        return f"{name}: > {days[impact - 2]:g} working days or > {budget[impact - 2]:g}% of budget"

    def meanings(self) -> dict[str, list[str]]:
        """Both axes' meanings, for the register's legend and the API."""
        return {
            "probability": [
                f"{self.probability_meaning(p)}, counted as {self.percent(p)}%" for p in SCALE
            ],
            "impact": [self.impact_meaning(i) for i in SCALE],
        }

    def suggest_impact(self, *, days: int, cost: Decimal, budget: Decimal) -> int:
        """The impact level a delay of ``days`` and a cost of ``cost`` reach on this scale."""
        share = (Decimal(cost) * 100 / budget) if budget else Decimal(0)
        level = 1
        for n, (d, b) in enumerate(
            zip(self.impact_days, self.impact_budget_percents, strict=True), start=2
        ):
            if days > d or share > Decimal(str(b)):
                level = n
        return level

    def emv(self, *, probability: int, cost_impact: Decimal, kind: str) -> Decimal:
        """Expected monetary value: the level's percentage × cost impact, negative for an
        opportunity (it saves money)."""
        value = (Decimal(self.percent(probability)) * Decimal(cost_impact) / 100).quantize(
            CENT, rounding=ROUND_HALF_UP
        )
        return -value if kind == Kind.OPPORTUNITY else value


# --- the register ---------------------------------------------------------------------------------


class Category(models.TextChoices):
    TECHNICAL = "technical", "Technical"
    SECURITY = "security", "Security"
    SCHEDULE = "schedule", "Schedule"
    COST = "cost", "Cost"
    RESOURCE = "resource", "Resource"
    VENDOR = "vendor", "Vendor"
    COMPLIANCE = "compliance", "Compliance"
    ORGANISATIONAL_CHANGE = "organisational_change", "Organisational change"


class Kind(models.TextChoices):
    THREAT = "threat", "Threat"
    OPPORTUNITY = "opportunity", "Opportunity"


class Status(models.TextChoices):
    OPEN = "open", "Open"
    MONITORING = "monitoring", "Monitoring"
    OCCURRED = "occurred", "Occurred"
    CLOSED = "closed", "Closed"


# Risks that may still happen: the register's "open" risks, the heat map, exposure, forecast.
LIVE_STATUSES = (Status.OPEN, Status.MONITORING)
CLOSED_STATUSES = (Status.OCCURRED, Status.CLOSED)


class Strategy(models.TextChoices):
    AVOID = "avoid", "Avoid"
    MITIGATE = "mitigate", "Mitigate"
    TRANSFER = "transfer", "Transfer"
    EXPLOIT = "exploit", "Exploit"
    ENHANCE = "enhance", "Enhance"
    SHARE = "share", "Share"
    ACCEPT = "accept", "Accept"


THREAT_STRATEGIES = (Strategy.AVOID, Strategy.MITIGATE, Strategy.TRANSFER, Strategy.ACCEPT)
OPPORTUNITY_STRATEGIES = (Strategy.EXPLOIT, Strategy.ENHANCE, Strategy.SHARE, Strategy.ACCEPT)
STRATEGIES_FOR = {Kind.THREAT: THREAT_STRATEGIES, Kind.OPPORTUNITY: OPPORTUNITY_STRATEGIES}


class RiskQuerySet(models.QuerySet):
    def for_project(self, project: Project) -> RiskQuerySet:
        return self.filter(project=project)

    def live(self) -> RiskQuerySet:
        """Open or monitored: risks that may still happen."""
        return self.filter(status__in=LIVE_STATUSES)

    def threats(self) -> RiskQuerySet:
        return self.filter(kind=Kind.THREAT)

    def opportunities(self) -> RiskQuerySet:
        return self.filter(kind=Kind.OPPORTUNITY)

    def by_rank(self) -> RiskQuerySet:
        """Highest score first, then the largest EMV, then the nearest proximity."""
        return self.order_by("-score", "-emv", models.F("proximity").asc(nulls_last=True), "id")


class Risk(PythonChecksMixin, models.Model):
    """An uncertain event that would affect the project: cause → event → effect.

    ``score``, ``level`` and ``emv`` are derived on save (``level`` and ``score`` are held to
    the rating by database checks); ``emv`` follows the project's scale (see the module).
    """

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="risks")
    number = models.PositiveIntegerField(editable=False, help_text="R-1, R-2, … in the project.")
    title = models.CharField(max_length=200)
    cause = models.TextField(blank=True, help_text="Because of …")
    event = models.TextField(blank=True, help_text="… this may happen …")
    effect = models.TextField(blank=True, help_text="… which would lead to …")
    category = models.CharField(max_length=24, choices=Category.choices, default=Category.TECHNICAL)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.THREAT)
    probability = models.PositiveSmallIntegerField(default=3, validators=_rating_validators())
    impact = models.PositiveSmallIntegerField(default=3, validators=_rating_validators())
    score = models.PositiveSmallIntegerField(editable=False, default=9)
    level = models.CharField(max_length=8, choices=Level.choices, editable=False, default="medium")
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_risks",
    )
    trigger = models.TextField(blank=True, help_text="The warning sign that it is about to happen.")
    proximity = models.DateField(
        "proximity date", null=True, blank=True, help_text="When it could happen."
    )
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.OPEN)
    response_strategy = models.CharField(
        max_length=12, choices=Strategy.choices, blank=True, help_text="Must fit the kind."
    )
    response_plan = models.TextField(blank=True)
    contingency_plan = models.TextField(blank=True, help_text="What we do if it happens.")
    residual_probability = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_rating_validators()
    )
    residual_impact = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=_rating_validators()
    )
    cost_impact = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        default=0,
        help_text="Money it would cost (a threat) or save (an opportunity), >= 0.",
    )
    emv = models.DecimalField(
        "expected monetary value", max_digits=14, decimal_places=2, default=0, editable=False
    )
    tasks = models.ManyToManyField(Task, through="RiskTaskImpact", related_name="risks", blank=True)
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    comments = CommentsRelation(listing="risks:register", page="risks:risk")
    attachments = AttachmentsRelation()
    history = HistoricalRecords(excluded_fields=["version", "updated_at"])
    objects = RiskQuerySet.as_manager()

    class Meta:
        ordering = ["project", "number"]
        constraints = [
            models.UniqueConstraint(fields=["project", "number"], name="risk_number_unique"),
            models.CheckConstraint(
                condition=Q(probability__gte=1, probability__lte=5),
                name="risk_probability_1_to_5",
                violation_error_message="Probability is rated 1 to 5.",
            ),
            models.CheckConstraint(
                condition=Q(impact__gte=1, impact__lte=5),
                name="risk_impact_1_to_5",
                violation_error_message="Impact is rated 1 to 5.",
            ),
            models.CheckConstraint(
                condition=Q(residual_probability__isnull=True)
                | Q(residual_probability__gte=1, residual_probability__lte=5),
                name="risk_residual_probability_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(residual_impact__isnull=True)
                | Q(residual_impact__gte=1, residual_impact__lte=5),
                name="risk_residual_impact_1_to_5",
            ),
            models.CheckConstraint(
                condition=Q(score=models.F("probability") * models.F("impact")),
                name="risk_score_is_probability_times_impact",
            ),
            models.CheckConstraint(
                condition=_level_condition(Level.LOW)
                | _level_condition(Level.MEDIUM)
                | _level_condition(Level.HIGH)
                | _level_condition(Level.CRITICAL),
                name="risk_level_fits_score",
            ),
            models.CheckConstraint(
                condition=Q(response_strategy="")
                | Q(kind=Kind.THREAT, response_strategy__in=THREAT_STRATEGIES)
                | Q(kind=Kind.OPPORTUNITY, response_strategy__in=OPPORTUNITY_STRATEGIES),
                name="risk_strategy_fits_kind",
                violation_error_message="This response strategy does not fit the risk's kind.",
            ),
            models.CheckConstraint(
                condition=Q(cost_impact__gte=0),
                name="risk_cost_impact_not_negative",
                violation_error_message="Give the cost impact as an amount >= 0; an "
                "opportunity's saving is an opportunity's cost impact.",
            ),
        ]
        indexes = [models.Index(fields=["project", "status", "level"])]

    def __str__(self) -> str:
        return f"{self.reference} {self.title}"

    def save(self, *args, **kwargs) -> None:
        self.derive(self._scale())
        super().save(*args, **kwargs)

    @property
    def reference(self) -> str:
        return f"R-{self.number}" if self.number else "R-?"

    @property
    def residual_score(self) -> int | None:
        if self.residual_probability is None or self.residual_impact is None:
            return None
        return self.residual_probability * self.residual_impact

    @property
    def residual_level(self) -> Level | None:
        score = self.residual_score
        return None if score is None else level_for(score)

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES

    def clean(self) -> None:
        super().clean()
        # Derived before the constraints are validated, which full_clean() does next.
        if self.probability in SCALE and self.impact in SCALE:
            self.derive(self._scale())
        if self.response_strategy and self.response_strategy not in STRATEGIES_FOR.get(
            self.kind, ()
        ):
            allowed = ", ".join(s.label.lower() for s in STRATEGIES_FOR.get(self.kind, ()))
            raise ValidationError(
                {
                    "response_strategy": f"“{Strategy(self.response_strategy).label}” is not a "
                    f"response to {'an' if self.kind == Kind.OPPORTUNITY else 'a'} "
                    f"{self.get_kind_display().lower()}; choose {allowed}."
                }
            )
        if (self.residual_probability is None) != (self.residual_impact is None):
            raise ValidationError(
                {
                    "residual_impact": "Rate both residual probability and residual "
                    "impact, or neither."
                }
            )

    def _scale(self) -> RiskScale:
        return RiskScale.objects.filter(project_id=self.project_id).first() or RiskScale.default()

    def derive(self, scale: RiskScale) -> None:
        """Set score, level and EMV from the rating and the project's scale."""
        self.score = self.probability * self.impact
        self.level = level_for(self.score)
        self.emv = scale.emv(
            probability=self.probability, cost_impact=self.cost_impact, kind=self.kind
        )


class RiskTaskImpact(PythonChecksMixin, models.Model):
    """The working days a risk would add to (a threat) or save on (an opportunity) one task."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="task_impacts")
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="risk_impacts")
    days = models.PositiveIntegerField(help_text="Working days.")

    history = HistoricalRecords()

    class Meta:
        ordering = ["risk", "task"]
        constraints = [
            models.UniqueConstraint(fields=["risk", "task"], name="risk_task_impact_once"),
            models.CheckConstraint(condition=Q(days__gte=1), name="risk_task_impact_days_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.risk.reference}: {self.days} d on {self.task}"


class RiskAction(PythonChecksMixin, models.Model):
    """A step of a risk's response: who does what by when, optionally tied to a task."""

    risk = models.ForeignKey(Risk, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="risk_actions",
    )
    due_date = models.DateField(null=True, blank=True)
    done = models.BooleanField(default=False)
    done_on = models.DateField(null=True, blank=True)
    task = models.ForeignKey(
        Task, on_delete=models.SET_NULL, null=True, blank=True, related_name="risk_actions"
    )
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    history = HistoricalRecords(excluded_fields=["version"])

    class Meta:
        ordering = ["risk", "done", models.F("due_date").asc(nulls_last=True), "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(done=True) | Q(done_on__isnull=True),
                name="risk_action_done_on_only_when_done",
            ),
        ]

    def __str__(self) -> str:
        return self.title
