"""Account pages: the signed-in user's profile, sign-in log and API tokens."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.db.models.functions import Now
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods
from knox.models import AuthToken

from projects.display import DATE_FORMAT
from projects.forms import ProfileForm, attach_errors
from projects.models import Profile
from projects.selectors import sign_in_log_for
from projects.services.accounts import profile_update
from projects.timezones import remember_date_format, remember_zone

# --- API tokens ----------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def account_tokens(request: HttpRequest) -> HttpResponse:
    """List my API tokens; POST creates one and shows it this once (knox keeps only its hash)."""
    new_token = ""
    tokens = AuthToken.objects.filter(user=request.user)
    if request.method == "POST":
        limit = settings.REST_KNOX.get("TOKEN_LIMIT_PER_USER")
        live = tokens.filter(Q(expiry__isnull=True) | Q(expiry__gt=Now()))
        if limit and live.count() >= limit:
            messages.error(
                request, f"You already have {limit} tokens. Revoke one before creating another."
            )
        else:
            _instance, new_token = AuthToken.objects.create(user=request.user)
    return render(
        request,
        "projects/authtoken_list.html",
        {
            "tokens": tokens.order_by("-created"),
            "new_token": new_token,
            "now": timezone.now(),
        },
    )


@login_required
@require_http_methods(["POST"])
def account_token_revoke(request: HttpRequest, token_key: str) -> HttpResponse:
    tokens = AuthToken.objects.filter(user=request.user, token_key=token_key)
    deleted, _ = tokens.delete()
    if not deleted:
        raise Http404("No such token.")
    messages.success(
        request, f"Token {token_key}… revoked. Clients using it can no longer sign in."
    )
    return redirect("projects:account_tokens")


# --- profile --------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def account_profile(request: HttpRequest) -> HttpResponse:
    """My name, time zone (timestamps on pages show in it) and date format (dates on pages
    follow it)."""
    profile = Profile.objects.filter(user=request.user).first()
    initial = {
        "first_name": request.user.first_name,
        "last_name": request.user.last_name,
        "time_zone": profile.time_zone if profile else "",
        "date_format": profile.date_format if profile else DATE_FORMAT,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            profile = profile_update(user=request.user, **form.cleaned_data)
        except ValidationError as error:
            attach_errors(form, error)
        else:
            remember_zone(request, profile.time_zone)
            remember_date_format(request, profile.date_format)
            messages.success(request, "Profile saved.")
            return redirect("projects:account_profile")
    return render(
        request,
        "projects/account_profile.html",
        {"form": form, "now": timezone.now(), "email": request.user.email},
    )


# --- sign-in log ---------------------------------------------------------------------------------

SIGN_IN_LOG_PAGE_SIZE = 50
SIGN_IN_KINDS = {"signed_in": "Signed in", "failed": "Wrong password", "locked_out": "Locked out"}


@login_required
@require_http_methods(["GET"])
def account_security(request: HttpRequest) -> HttpResponse:
    """My sign-ins, failed tries and lockouts, newest first, with address and browser (kept
    ``SIGN_IN_LOG_DAYS`` days); links to two-factor authentication and sessions."""
    page = Paginator(sign_in_log_for(request.user), SIGN_IN_LOG_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    rows = [
        {
            "kind": kind,
            "label": SIGN_IN_KINDS[kind],
            "time": time,
            "ip_address": ip_address,
            "user_agent": user_agent,
        }
        for kind, time, ip_address, user_agent in page
    ]
    return render(
        request,
        "projects/account_security.html",
        {"page": page, "rows": rows, "days": settings.SIGN_IN_LOG_DAYS},
    )
