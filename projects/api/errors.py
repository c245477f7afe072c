"""What every app's API shares and settings name: pagination and the error shape.

Kept apart from the viewset base (``projects/api/base.py``) because DRF imports these while its
own ``viewsets`` module is still loading; the package's ``__init__`` imports nothing for the same
reason.
"""

from __future__ import annotations

import logging
import sys
import uuid
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.pagination import PageNumberPagination
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler
from rest_framework.views import set_rollback

from projects.exceptions import StaleEdit

logger = logging.getLogger(__name__)

API_PREFIX = "/api/"
SERVER_ERROR = (
    "Something went wrong on our side and nothing was changed. If it happens again, tell your "
    "administrator the error id."
)


class Pagination(PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 500


class Conflict(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_code = "conflict"
    default_detail = StaleEdit().args[0]


def _validation_detail(error: DjangoValidationError) -> Any:
    if hasattr(error, "error_dict"):
        return {
            ("non_field_errors" if field == "__all__" else field): messages
            for field, messages in error.message_dict.items()
        }
    return {"non_field_errors": error.messages}


def _log_server_error(request: HttpRequest, exc_info: Any) -> str:
    """Log an unexpected error with its traceback under a new id, and return the id."""
    error_id = uuid.uuid4().hex[:12]
    logger.error(
        "Internal server error %s: %s %s", error_id, request.method, request.path, exc_info=exc_info
    )
    return error_id


def _server_error_body(error_id: str) -> dict[str, str]:
    # Never the exception's text: it may carry SQL, paths or data of another user.
    return {"detail": SERVER_ERROR, "error_id": error_id}


def exception_handler(exc: Exception, context: dict) -> Response:
    """DRF's handler, plus the errors services raise: Django ValidationError → 400 with a message
    per field, StaleEdit → 409. Everything else keeps DRF's JSON shape (``{"detail": ...}``),
    unexpected errors too: 500 with an ``error_id`` that is logged with the traceback, instead of
    Django's HTML error page."""
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(_validation_detail(exc))
    elif isinstance(exc, StaleEdit):
        exc = Conflict(str(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound(str(exc) or None)
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    response = drf_exception_handler(exc, context)
    if response is not None:
        return response
    error_id = _log_server_error(context["request"], (type(exc), exc, exc.__traceback__))
    set_rollback()
    return Response(_server_error_body(error_id), status=status.HTTP_500_INTERNAL_SERVER_ERROR)


def server_error(request: HttpRequest) -> HttpResponse:
    """Django's 500 handler (``handler500``): under /api/ the JSON shape above, for errors raised
    outside a DRF view (a middleware); elsewhere Django's page (``templates/500.html``)."""
    if not request.path.startswith(API_PREFIX):
        return defaults.server_error(request)
    error_id = _log_server_error(request, sys.exc_info())
    return JsonResponse(_server_error_body(error_id), status=500)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Django's 404 handler (``handler404``): under /api/ a URL no route matches (an id with a
    slash in it, a misspelt resource) answers the API's JSON shape, as every other API 404
    does; elsewhere Django's page (``templates/404.html``)."""
    if not request.path.startswith(API_PREFIX):
        return defaults.page_not_found(request, exception)
    return JsonResponse({"detail": "Not found."}, status=404)
