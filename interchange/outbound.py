"""Calling a URL someone else chose, safely: the SSRF guard and the one HTTP POST (webhooks).

The guard (``check_url``, ``resolve``): only http and https, and only to hosts whose every
address is public (no loopback, private, link-local, shared, multicast, reserved or unspecified
address), unless ``WEBHOOK_ALLOW_PRIVATE`` lets private networks through (tests, intranets);
cloud metadata addresses are refused even then. It is checked when the URL is registered and
again at each send, where the connection goes to the very address that was checked (the Host
header and TLS server name carry the name), so a name re-pointed after the check (DNS
rebinding) reaches nothing it should not. Redirects are answers, never followed.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError

TIMEOUT = 10  # seconds, to connect and for each read of the answer
EXCERPT_BYTES = 1024
# Instance metadata services (AWS, GCP, Azure, OpenStack; AWS's IPv6 one): never an endpoint.
METADATA_ADDRESSES = {
    ipaddress.ip_address("169.254.169.254"),
    ipaddress.ip_address("fd00:ec2::254"),
}


class UnsafeURL(ValueError):
    """The URL may not be called: its scheme, or an address its host resolves to."""


ALWAYS_REFUSED = ("a cloud metadata address", "a multicast address", "an unspecified address")
PRIVATE_HINT = "an administrator may allow private ones with WEBHOOK_ALLOW_PRIVATE"


def _allow_private() -> bool:
    return bool(getattr(settings, "WEBHOOK_ALLOW_PRIVATE", False))


def _refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``address`` is refused (None: allowed)."""
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    if address in METADATA_ADDRESSES:
        return "a cloud metadata address"
    if address.is_multicast:
        return "a multicast address"
    if address.is_unspecified:
        return "an unspecified address"
    if _allow_private():
        return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if address.is_reserved or not address.is_global:
        return "a reserved address"
    return None


@dataclass(frozen=True)
class Target:
    """Where a checked URL is sent: the address that was checked, and the name it came from."""

    scheme: str
    host: str
    port: int
    address: str
    path: str


def resolve(url: str) -> Target:
    """Check ``url`` and resolve its host: a ``Target`` whose address passed the guard, or
    ``UnsafeURL`` saying why not (``OSError`` when the name does not resolve)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as error:
        raise UnsafeURL(f"This is not a valid address ({error}).") from None
    if parts.scheme not in ("http", "https"):
        raise UnsafeURL("Give an http:// or https:// address.")
    host = parts.hostname
    if not host:
        raise UnsafeURL("Give the address with its host name, e.g. https://example.com/hooks.")
    port = port or (443 if parts.scheme == "https" else 80)
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise OSError(f"{host} has no address")
    for text in addresses:
        address = ipaddress.ip_address(text.split("%", 1)[0])
        why = _refusal(address)
        if why is not None:
            shown = host if host == text else f"{host} resolves to {text}, which"
            hint = "" if why in ALWAYS_REFUSED else f" ({PRIVATE_HINT})"
            raise UnsafeURL(
                f"{shown} is {why}: Charter sends webhooks only to public addresses{hint}."
            )
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(parts.scheme, host, port, addresses[0], path)


def check_url(url: str) -> None:
    """Refuse, with a message for the form's ``url`` field, a URL Charter will not call."""
    try:
        resolve(url)
    except UnsafeURL as error:
        raise ValidationError({"url": str(error)}) from None
    except OSError:
        host = urlsplit(url).hostname or url
        raise ValidationError(
            {"url": f"The host {host} could not be found; check the address."}
        ) from None


# --- sending --------------------------------------------------------------------------------------


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """HTTPS to an address already checked, with the certificate checked against the name."""

    def __init__(self, address: str, port: int, *, server_name: str, **kwargs: Any) -> None:
        super().__init__(address, port, **kwargs)
        self._server_name = server_name

    def connect(self) -> None:
        sock = socket.create_connection((self.host, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self._server_name)


@dataclass(frozen=True)
class Answer:
    code: int
    excerpt: str
    location: str = ""


def post(target: Target, headers: dict[str, str], body: bytes) -> Answer:
    """POST ``body`` to the checked address; redirects are answers, never followed."""
    if target.scheme == "https":
        connection: http.client.HTTPConnection = _PinnedHTTPSConnection(
            target.address,
            target.port,
            server_name=target.host,
            timeout=TIMEOUT,
            context=ssl.create_default_context(),
        )
    else:
        connection = http.client.HTTPConnection(target.address, target.port, timeout=TIMEOUT)
    default_port = 443 if target.scheme == "https" else 80
    host = target.host if ":" not in target.host else f"[{target.host}]"
    if target.port != default_port:
        host = f"{host}:{target.port}"
    try:
        connection.request("POST", target.path, body=body, headers={"Host": host, **headers})
        response = connection.getresponse()
        excerpt = response.read(EXCERPT_BYTES).decode("utf-8", errors="replace")
        return Answer(response.status, excerpt, response.getheader("Location") or "")
    finally:
        connection.close()


# What a failed send raises (retried: the receiver may be back later).
SEND_ERRORS = (OSError, http.client.HTTPException)


def describe(error: BaseException) -> str:
    """A person's sentence for why a send failed."""
    if isinstance(error, TimeoutError | socket.timeout):
        return f"No answer within {TIMEOUT} s."
    if isinstance(error, socket.gaierror):
        return f"The host could not be found ({error.strerror or error})."
    return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
