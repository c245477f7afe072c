"""The risks app's REST API, by domain: ``register`` (``risks/``, with "this risk occurred"),
``issues`` (the issue log), ``scale`` (the risk scale and the computed 5×5 ``risk-matrix/``) and
``forecast`` (the Monte Carlo ``forecast/`` with its runs).

Every viewset is a ``projects.api.base.ProjectScopedViewSet`` (viewers read, members write);
writes go through ``risks.services``, so the strategy-fits-kind rule, the owner-is-a-member
rule and versions hold here exactly as on the pages.
"""

from risks.api.forecast import ForecastRunViewSet, ForecastViewSet
from risks.api.issues import IssueViewSet
from risks.api.register import RiskViewSet
from risks.api.scale import RiskMatrixViewSet, RiskScaleViewSet

__all__ = [
    "ForecastRunViewSet",
    "ForecastViewSet",
    "IssueViewSet",
    "RiskMatrixViewSet",
    "RiskScaleViewSet",
    "RiskViewSet",
]
