"""Start and stop the test identity provider (tests/sso/idp/): django-oidc-provider in a second
Django process on a free loopback port, with its own SQLite database in a temporary folder.

    with IdentityProvider(redirect_uris=[...], people=[...]) as idp:
        idp.url            # http://127.0.0.1:<port>/openid  (the OIDC server URL)
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CLIENT_ID = "charter-test"
CLIENT_SECRET = "charter-test-secret"  # noqa: S105 (the test IdP's client)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class IdentityProvider:
    def __init__(self, *, redirect_uris: list[str], people: list[dict]) -> None:
        self.redirect_uris = redirect_uris
        self.people = people
        self.port = _free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.url = f"{self.base}/openid"
        self.client_id = CLIENT_ID
        self.client_secret = CLIENT_SECRET
        self._folder = tempfile.TemporaryDirectory(prefix="charter-idp-")
        self._process: subprocess.Popen | None = None

    def _env(self) -> dict[str, str]:
        env = {
            key: value
            for key, value in os.environ.items()
            if key not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE"}
        }
        env.update(
            DJANGO_SETTINGS_MODULE="tests.sso.idp.settings",
            IDP_DATABASE=str(Path(self._folder.name) / "idp.sqlite3"),
            IDP_URL=self.base,
            PYTHONPATH=str(ROOT),
        )
        return env

    def start(self) -> IdentityProvider:
        spec = {
            "client_id": self.client_id,
            "client_secret": self.client_secret,
            "redirect_uris": self.redirect_uris,
            "people": self.people,
        }
        subprocess.run(
            [sys.executable, str(ROOT / "tests/sso/idp/setup.py")],
            input=json.dumps(spec),
            text=True,
            env=self._env(),
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=120,
        )
        self._process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{self.port}", "--noreload"],
            env=self._env(),
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(Path(self._folder.name) / "idp.log", "wb"),  # noqa: SIM115
        )
        self._wait_until_up()
        return self

    def _wait_until_up(self) -> None:
        discovery = f"{self.url}/.well-known/openid-configuration"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(discovery, timeout=2) as answer:  # noqa: S310
                    if answer.status == 200:
                        return
            except OSError:
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = (Path(self._folder.name) / "idp.log").read_text(errors="replace")
                self.stop()
                raise RuntimeError(f"The test identity provider did not start:\n{log}")
            time.sleep(0.1)

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            try:
                self._process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self._process.kill()
        self._process = None
        self._folder.cleanup()

    def __enter__(self) -> IdentityProvider:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
