"""The filter backend of every list (``DEFAULT_FILTER_BACKENDS``).

Settings name it, so DRF imports this module while its own ``generics`` module is still
loading: it must not import DRF's views, generics or viewsets (nor ``projects.api.base``).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django_filters.rest_framework import DjangoFilterBackend


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, without the work a list request does not need.

    For a view that lists ``filterset_fields``, django-filter builds a new ``FilterSet`` class
    on every request, then a filter set and its form, and validates the form, even when the
    request filters by nothing: about a tenth of a 100-row cost-entry page. Here the class is
    built once per view class and model, and a request that names none of its filters gets the
    queryset as it came, which is what the filter set answers then (a filter without a value
    filters nothing). A view with its own ``filterset_class`` is filtered as django-filter does.
    """

    _classes: dict[tuple[type, type[Model]], type] = {}

    def get_filterset_class(self, view: Any, queryset: QuerySet | None = None) -> type | None:
        if getattr(view, "filterset_class", None) or queryset is None:
            return super().get_filterset_class(view, queryset)
        key = (type(view), queryset.model)
        filterset_class = self._classes.get(key)
        if filterset_class is None:
            filterset_class = super().get_filterset_class(view, queryset)
            if filterset_class is None:
                return None
            self._classes[key] = filterset_class
        return filterset_class

    def filter_queryset(self, request: Any, queryset: QuerySet, view: Any) -> QuerySet:
        if getattr(view, "filterset_class", None) is None:
            filterset_class = self.get_filterset_class(view, queryset)
            if filterset_class is None or not any(
                name in filterset_class.base_filters for name in request.query_params
            ):
                return queryset
        return super().filter_queryset(request, queryset, view)
