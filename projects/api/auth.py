"""Who is calling: API tokens (sign in, list, revoke) and the signed-in user."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth import authenticate, get_user_model, user_logged_in, user_logged_out
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from knox.models import AuthToken
from knox.settings import knox_settings
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import APIView

from projects import lockout, sso
from projects.auth import has_two_factor, must_use_two_factor, two_factor_code_valid

User = get_user_model()


class UserSerializer(serializers.ModelSerializer):
    full_name = serializers.CharField(source="get_full_name", read_only=True)

    class Meta:
        model = User
        fields = ("id", "username", "email", "full_name")
        read_only_fields = fields


class SignInLockedOut(exceptions.APIException):
    """429 with ``Retry-After``: too many failed sign-ins (projects.lockout)."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS
    default_code = "locked_out"

    def __init__(self, wait: datetime.timedelta) -> None:
        super().__init__(lockout.lockout_message(wait))
        # DRF's exception handler turns ``wait`` into the Retry-After header.
        self.wait = lockout.wait_seconds(wait)


TWO_FACTOR_CODE_MISSING = (
    "This account uses two-factor authentication: send the current code of your authenticator "
    "app (or a recovery code) as `code`."
)
TWO_FACTOR_SETUP_FIRST = (
    "Two-factor authentication is required for this account (MFA_REQUIRED): set up an "
    "authenticator app on the web (account menu › Two-factor authentication), then send its "
    "code as `code`."
)
TWO_FACTOR_CODE_WRONG = (
    "That two-factor code is not valid: send the current code of your authenticator app, or an "
    "unused recovery code."
)


class TokenCreateSerializer(serializers.Serializer):
    username = serializers.CharField(help_text="Your username or e-mail address.")
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )
    code = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        help_text="Required when your account uses two-factor authentication: the current "
        "6-digit code of your authenticator app, or one of your unused recovery codes (each "
        "works once). Without it, or with a wrong one, the answer is 400 with an error on "
        "`code`.",
    )

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        request = self.context.get("request")
        user = authenticate(request, username=attrs["username"], password=attrs["password"])
        if user is None and getattr(request, "axes_locked_out", False):
            # Axes refused (or this failure reached a limit): the page's lockout, as JSON.
            raise SignInLockedOut(lockout.retry_after(request, request.axes_credentials))
        if user is None and not sso.password_sign_in_allowed(attrs["username"]):
            raise serializers.ValidationError(
                f"Password sign-in is off: sign in with {sso.provider_name()} on the web and "
                "create an API token on your account page.",
                code="authorization",
            )
        if user is None:
            raise serializers.ValidationError(
                "Unable to sign in with that username (or e-mail address) and password.",
                code="authorization",
            )
        if has_two_factor(user):
            # The password alone must not open an account that signs in with two factors.
            code = (attrs.get("code") or "").strip()
            if not code:
                raise serializers.ValidationError(
                    {"code": TWO_FACTOR_CODE_MISSING}, code="two_factor_required"
                )
            try:
                valid = two_factor_code_valid(user, code)
            except DjangoValidationError as error:  # too many wrong codes
                raise serializers.ValidationError(
                    {"code": error.messages}, code="two_factor_locked"
                ) from None
            if not valid:
                raise serializers.ValidationError(
                    {"code": TWO_FACTOR_CODE_WRONG}, code="two_factor_invalid"
                )
        elif must_use_two_factor(user):
            # MFA_REQUIRED covers this person: no token before their authenticator is set up.
            raise serializers.ValidationError(
                {"code": TWO_FACTOR_SETUP_FIRST}, code="two_factor_setup_required"
            )
        attrs["user"] = user
        return attrs


class TokenCreatedSerializer(serializers.Serializer):
    token = serializers.CharField(
        help_text="The secret: send it as `Authorization: Token <token>`. It is shown only once."
    )
    expiry = serializers.DateTimeField(allow_null=True)
    user = UserSerializer()


class AuthTokenSerializer(serializers.ModelSerializer):
    current = serializers.SerializerMethodField()

    class Meta:
        model = AuthToken
        # Never the digest: token_key is only the first characters, enough to recognise a token.
        fields = ("token_key", "created", "expiry", "current")
        read_only_fields = fields

    def get_current(self, token: AuthToken) -> bool:
        """Whether this is the token the request was made with."""
        request = self.context.get("request")
        auth = getattr(request, "auth", None)
        return isinstance(auth, AuthToken) and auth.digest == token.digest


class LoginRateThrottle(SimpleRateThrottle):
    """Sign-in attempts per client address, at the ``login`` rate in settings."""

    scope = "login"

    def get_rate(self) -> str | None:
        # Read at request time rather than from the class attribute DRF fills at import, so a
        # changed setting (and a test's override) takes effect.
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)

    def get_cache_key(self, request, view) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class NoCurrentToken(exceptions.APIException):
    status_code = status.HTTP_400_BAD_REQUEST
    default_code = "no_current_token"
    default_detail = (
        "This request was not made with an API token, so there is no current token to revoke."
    )


def _active_tokens(user) -> QuerySet:
    return AuthToken.objects.filter(user=user).filter(
        Q(expiry__gt=timezone.now()) | Q(expiry__isnull=True)
    )


_NO_CONTENT = {204: OpenApiResponse(description="Revoked.")}


@extend_schema_view(
    list=extend_schema(summary="My API tokens (never their secrets)"),
    create=extend_schema(
        summary="Sign in: get an API token",
        request=TokenCreateSerializer,
        responses={201: TokenCreatedSerializer},
        auth=[],
    ),
    destroy=extend_schema(summary="Revoke one of my tokens", responses=_NO_CONTENT),
    current=extend_schema(summary="Revoke the token of this request", responses=_NO_CONTENT),
    revoke_all=extend_schema(summary="Revoke all my tokens", responses=_NO_CONTENT),
)
@extend_schema(tags=["auth"])
class AuthTokenViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    """API tokens (knox): only a hash of each is stored; they expire after ``TOKEN_TTL``."""

    serializer_class = AuthTokenSerializer
    lookup_field = "token_key"
    # Token work needs no filtering or searching; ordering is fixed (newest first).
    filter_backends: list = []

    def get_permissions(self):
        if self.action == "create":
            return [AllowAny()]
        return [IsAuthenticated()]

    def get_throttles(self):
        throttles = super().get_throttles()
        if self.action == "create":
            throttles.append(LoginRateThrottle())
        return throttles

    def get_serializer_class(self):
        if self.action == "create":
            return TokenCreateSerializer
        return AuthTokenSerializer

    def get_queryset(self) -> QuerySet:
        if getattr(self, "swagger_fake_view", False):
            return AuthToken.objects.none()
        return _active_tokens(self.request.user).order_by("-created")

    def create(self, request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = serializer.validated_data["user"]
        limit = knox_settings.TOKEN_LIMIT_PER_USER
        if limit is not None and _active_tokens(user).count() >= limit:
            # The same refusal as knox's LoginView, with a message that says what to do.
            raise exceptions.PermissionDenied(
                f"You already have {limit} active API tokens, the most allowed. Revoke one "
                "(DELETE /api/v1/auth/tokens/{token_key}/) and try again."
            )
        instance, token = AuthToken.objects.create(user=user)
        user_logged_in.send(sender=user.__class__, request=request, user=user)
        data = TokenCreatedSerializer(
            {"token": token, "expiry": instance.expiry, "user": user},
            context=self.get_serializer_context(),
        ).data
        return Response(data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args: Any, **kwargs: Any) -> Response:
        # Not get_object(): two tokens may share a key prefix; revoking "the token that starts
        # with this key" revokes them all, which is the safe reading.
        deleted, _ = self.get_queryset().filter(token_key=self.kwargs["token_key"]).delete()
        if not deleted:
            raise exceptions.NotFound("You have no active token with that key.")
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=False, methods=["delete"], serializer_class=None)
    def current(self, request, *args: Any, **kwargs: Any) -> Response:
        if not isinstance(request.auth, AuthToken):
            raise NoCurrentToken()
        request.auth.delete()
        user_logged_out.send(sender=request.user.__class__, request=request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @action(detail=False, methods=["delete"], url_path="all", serializer_class=None)
    def revoke_all(self, request, *args: Any, **kwargs: Any) -> Response:
        AuthToken.objects.filter(user=request.user).delete()
        user_logged_out.send(sender=request.user.__class__, request=request, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["auth"])
class MeView(APIView):
    """The signed-in user."""

    @extend_schema(summary="Who am I", responses=UserSerializer)
    def get(self, request) -> Response:
        return Response(UserSerializer(request.user, context={"request": request}).data)
