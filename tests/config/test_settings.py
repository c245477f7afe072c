"""The embedded default boots with no environment; production refuses to start unsafely."""

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_settings_embedded_default_needs_no_environment():
    """With nothing set, Charter uses SQLite under var/, eager Celery, file e-mail, local cache."""
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER,"
        " s.EMAIL_BACKEND, s.CACHES['default']['BACKEND'], s.DEBUG)"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env={})
    assert result.returncode == 0, result.stderr
    engine, eager, email, cache, debug = result.stdout.split()
    assert engine == "django.db.backends.sqlite3"
    assert eager == "True"
    assert email == "django.core.mail.backends.filebased.EmailBackend"
    assert cache == "django.core.cache.backends.locmem.LocMemCache"
    assert debug == "True"


def test_settings_full_stack_follows_the_urls():
    """DATABASE_URL, REDIS_URL and EMAIL_URL switch on PostgreSQL, Redis and SMTP."""
    code = (
        "from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER,"
        " s.CELERY_BROKER_URL, s.EMAIL_BACKEND, s.EMAIL_HOST, s.CACHES['default']['BACKEND'])"
    )
    result = run_manage(
        "shell",
        "--no-imports",
        "-c",
        code,
        env={
            "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/charter",
            "REDIS_URL": "redis://127.0.0.1:6379/3",
            "EMAIL_URL": "smtp://mail.example:2525",
        },
    )
    assert result.returncode == 0, result.stderr
    engine, eager, broker, email, host, cache = result.stdout.split()
    assert engine == "django.db.backends.postgresql"
    assert eager == "False"
    assert broker == "redis://127.0.0.1:6379/3"
    assert email == "django.core.mail.backends.smtp.EmailBackend"
    assert host == "mail.example"
    assert cache == "config.cache.FailOpenRedisCache"


def test_settings_production_refuses_a_missing_secret_key():
    """DEBUG off without a real SECRET_KEY stops at start-up with a one-line explanation."""
    result = run_manage("check", env={"DEBUG": "false"})
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_settings_production_deploy_check_reports_only_what_readme_justifies():
    """`check --deploy` with production settings raises only the HSTS opt-ins README explains."""
    result = run_manage(
        "check",
        "--deploy",
        env={"DEBUG": "false", "SECRET_KEY": "x" * 20 + "-a-long-random-production-secret-key"},
    )
    assert result.returncode == 0, result.stderr
    reported = set(re.findall(r"\((\w+\.\w+)\)", result.stdout + result.stderr))
    # Subdomain HSTS and preload-list submission are per-domain decisions of the operator; the
    # README's "Production" section says so and how to turn them on.
    assert reported == {"security.W005", "security.W021"}
    readme = (ROOT / "README.md").read_text()
    assert "SECURE_HSTS_INCLUDE_SUBDOMAINS" in readme
    assert "SECURE_HSTS_PRELOAD" in readme


def test_settings_embedded_default_runs_a_task_without_a_broker_warning():
    """On the embedded default a queued task runs in-process and kombu logs no broker warning."""
    code = (
        "from config.celery import app\n"
        "@app.task(name='charter.ping')\n"
        "def ping():\n"
        "    return 'pong'\n"
        "print(ping.delay().get())\n"
    )
    result = run_manage("shell", "--no-imports", "-c", code, env={})
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["pong"]
    assert "WARNING" not in result.stderr, result.stderr
