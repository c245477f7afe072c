"""Writes with a rule for the risks app, by domain; import them from here.

``from risks import services`` then ``services.risk_create(...)``: pages, the API and tasks
call the same functions. Access (who may call) is checked at the door,
``projects.selectors.get_project_for``; these hold the rules whoever calls.
"""

from risks.services.forecast import (
    ForecastInputs,
    default_uncertainty_of,
    estimates_warning,
    forecast_inputs,
    forecast_request,
    forecast_results,
    forecast_run_compute,
    forecast_run_now,
)
from risks.services.issues import ISSUE_FIELDS, issue_create, issue_update
from risks.services.refresh import (
    REFRESH_TASK,
    Reason,
    forecast_refresh,
    forecast_refresh_soon,
    projects_due_a_forecast,
)
from risks.services.register import (
    ACTION_FIELDS,
    RISK_FIELDS,
    SCALE_FIELDS,
    risk_action_create,
    risk_action_set_done,
    risk_action_update,
    risk_create,
    risk_delete,
    risk_occurred,
    risk_scale_for,
    risk_scale_update,
    risk_update,
)

__all__ = [
    "ACTION_FIELDS",
    "ISSUE_FIELDS",
    "REFRESH_TASK",
    "RISK_FIELDS",
    "SCALE_FIELDS",
    "ForecastInputs",
    "Reason",
    "default_uncertainty_of",
    "estimates_warning",
    "forecast_inputs",
    "forecast_refresh",
    "forecast_refresh_soon",
    "forecast_request",
    "forecast_results",
    "forecast_run_compute",
    "forecast_run_now",
    "issue_create",
    "issue_update",
    "projects_due_a_forecast",
    "risk_action_create",
    "risk_action_set_done",
    "risk_action_update",
    "risk_create",
    "risk_delete",
    "risk_occurred",
    "risk_scale_for",
    "risk_scale_update",
    "risk_update",
]
