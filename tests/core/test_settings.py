"""The settings module reads the environment and refuses bad values at start."""

from __future__ import annotations

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = ROOT / "habitstory" / "settings.py"
GOOD_SECRET = "s" * 60

ENV_VARS = [
    "DEBUG", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "EMAIL_URL", "ALLOWED_HOSTS",
    "AWS_STORAGE_BUCKET_NAME", "HTTPS", "SECURE_HSTS_SECONDS", "TIME_ZONE", "LOG_LEVEL",
    "LOG_FORMAT", "STATIC_MANIFEST", "GOOGLE_CLIENT_ID", "GOOGLE_CLIENT_SECRET",
    "GITHUB_CLIENT_ID", "GITHUB_CLIENT_SECRET", "CSRF_TRUSTED_ORIGINS",
    "ACCOUNT_EMAIL_VERIFICATION", "SITE_URL", "DATABASE_POOL", "DATABASE_POOL_SIZE", "CLOSE_DAYS_WORKERS",
]


@pytest.fixture
def load(monkeypatch):
    """Evaluate settings.py afresh under the given environment; returns its names."""

    def run(**env: str) -> dict:
        for name in ENV_VARS:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("SECRET_KEY", GOOD_SECRET)
        for name, value in env.items():
            if value is None:
                monkeypatch.delenv(name, raising=False)
            else:
                monkeypatch.setenv(name, value)
        return runpy.run_path(str(SETTINGS))

    return run


def test_it_defaults_to_the_embedded_setup(load):
    s = load()
    assert s["DEBUG"] is False
    assert s["DATABASES"]["default"]["ENGINE"] == "django.db.backends.sqlite3"
    assert str(s["DATABASES"]["default"]["NAME"]).endswith("db.sqlite3")
    assert s["CACHES"]["default"]["BACKEND"].endswith("LocMemCache")
    assert s["CHANNEL_LAYERS"]["default"]["BACKEND"] == "channels.layers.InMemoryChannelLayer"
    assert s["CELERY_BROKER_URL"] == "filesystem://"
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
    assert s["STORAGES"]["default"]["BACKEND"].endswith("FileSystemStorage")
    assert s["LOG_FORMAT"] == "json"


def test_it_uses_postgres_and_redis_when_given(load):
    s = load(
        DATABASE_URL="postgres://hs:pw@db.internal:5432/habitstory",
        REDIS_URL="redis://cache.internal:6379/2",
    )
    db = s["DATABASES"]["default"]
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert (db["HOST"], db["PORT"], db["NAME"], db["USER"]) == ("db.internal", 5432, "habitstory", "hs")
    assert s["CACHES"]["default"]["BACKEND"] == "habitstory.core.cache.ResilientRedisCache"
    assert s["CACHES"]["default"]["LOCATION"] == "redis://cache.internal:6379/2"
    assert s["CHANNEL_LAYERS"]["default"]["BACKEND"] == "channels_redis.core.RedisChannelLayer"
    assert s["CELERY_BROKER_URL"] == "redis://cache.internal:6379/2"


def test_postgres_connections_come_from_a_pool_unless_turned_off(load):
    pooled = load(DATABASE_URL="postgres://hs:pw@db.internal:5432/habitstory", DATABASE_POOL_SIZE="8")
    db = pooled["DATABASES"]["default"]
    assert db["OPTIONS"]["pool"]["max_size"] == 8 and db["CONN_MAX_AGE"] == 0  # Django refuses both at once
    plain = load(DATABASE_URL="postgres://hs:pw@db.internal:5432/habitstory", DATABASE_POOL="0")
    assert "pool" not in plain["DATABASES"]["default"].get("OPTIONS", {})
    assert plain["DATABASES"]["default"]["CONN_MAX_AGE"] == 60
    with pytest.raises(ImproperlyConfigured, match="DATABASE_POOL_SIZE"):
        load(DATABASE_URL="postgres://hs:pw@db.internal:5432/habitstory", DATABASE_POOL_SIZE="0")


def test_the_live_layer_outlasts_its_own_blocking_read_and_many_sockets(load):
    """channels_redis waits for messages with a blocking read of `brpop_timeout` (5 s):
    a socket timeout that short (redis-py 8's default) closes idle sockets, and a pool
    of 100 connections (its default cap) refuses the 101st tab connecting at once."""
    from channels_redis.core import RedisChannelLayer
    from channels_redis.utils import create_pool

    s = load(REDIS_URL="redis://cache.internal:6379/2")
    config = s["CHANNEL_LAYERS"]["default"]["CONFIG"]
    layer = RedisChannelLayer(**config)
    pool = create_pool(layer.hosts[0])
    assert pool.connection_kwargs["host"] == "cache.internal" and pool.connection_kwargs["db"] == 2
    assert pool.connection_kwargs["socket_timeout"] > layer.brpop_timeout
    assert pool.max_connections >= 10_000


def test_it_uses_s3_for_media_when_a_bucket_is_set(load):
    s = load(AWS_STORAGE_BUCKET_NAME="habitstory-media", AWS_S3_CUSTOM_DOMAIN="media.example.com")
    assert s["STORAGES"]["default"]["BACKEND"] == "storages.backends.s3.S3Storage"
    assert "https://media.example.com" in s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["img-src"]


def test_it_reads_email_url(load):
    s = load(EMAIL_URL="smtp://mailer:secret@smtp.example.com:587/?tls=True")
    assert s["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert (s["EMAIL_HOST"], s["EMAIL_PORT"], s["EMAIL_HOST_USER"]) == ("smtp.example.com", 587, "mailer")
    assert s["EMAIL_USE_TLS"] is True


def test_https_switches_on_the_secure_settings(load):
    s = load(HTTPS="1")
    assert s["SECURE_SSL_REDIRECT"] and s["SESSION_COOKIE_SECURE"] and s["CSRF_COOKIE_SECURE"]
    assert s["SECURE_HSTS_SECONDS"] == 31_536_000
    assert s["SECURE_HSTS_PRELOAD"] and s["SECURE_HSTS_INCLUDE_SUBDOMAINS"]
    assert s["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["connect-src"] == ["'self'", "wss://127.0.0.1:8000"]


@pytest.mark.parametrize(
    ("env", "sources"),
    [
        ({}, ["'self'", "ws://127.0.0.1:8000"]),
        ({"SITE_URL": "https://habitstory.example", "HTTPS": "1"}, ["'self'", "wss://habitstory.example"]),
        ({"SITE_URL": "https://habitstory.example:8443/"}, ["'self'", "wss://habitstory.example:8443"]),
    ],
)
def test_sockets_may_connect_only_to_this_site(load, env, sources):
    """'self' covers the page's own host (ws: and wss: included, CSP 3); SITE_URL's socket
    origin is named too, for browsers that read 'self' as http(s) only. Never a bare ws:."""
    assert load(**env)["CONTENT_SECURITY_POLICY"]["DIRECTIVES"]["connect-src"] == sources


def test_social_login_appears_only_with_its_keys(load):
    assert "allauth.socialaccount.providers.github" not in load()["INSTALLED_APPS"]
    s = load(GITHUB_CLIENT_ID="id", GITHUB_CLIENT_SECRET="secret")
    assert "allauth.socialaccount.providers.github" in s["INSTALLED_APPS"]
    assert s["SOCIALACCOUNT_PROVIDERS"]["github"]["APPS"][0]["client_id"] == "id"


def test_debug_allows_a_missing_secret_key(load):
    s = load(DEBUG="1", SECRET_KEY=None)
    assert s["SECRET_KEY"].startswith("django-insecure")


@pytest.mark.parametrize(
    ("env", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY"),
        ({"DEBUG": "maybe"}, "DEBUG"),
        ({"DATABASE_URL": "mysql://root@localhost/hs"}, "DATABASE_URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"REDIS_URL": "http://localhost:6379"}, "REDIS_URL"),
        ({"EMAIL_URL": "carrier-pigeon://coop"}, "EMAIL_URL"),
        ({"SECURE_HSTS_SECONDS": "a year"}, "SECURE_HSTS_SECONDS"),
        ({"SECURE_HSTS_SECONDS": "-5"}, "SECURE_HSTS_SECONDS"),
        ({"TIME_ZONE": "Mars/Olympus_Mons"}, "TIME_ZONE"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL"),
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT"),
        ({"GOOGLE_CLIENT_ID": "only-the-id"}, "GOOGLE_CLIENT_ID"),
        ({"CSRF_TRUSTED_ORIGINS": "habitstory.example"}, "CSRF_TRUSTED_ORIGINS"),
        ({"ACCOUNT_EMAIL_VERIFICATION": "sometimes"}, "ACCOUNT_EMAIL_VERIFICATION"),
        ({"SITE_URL": "habitstory.example"}, "SITE_URL"),
    ],
)
def test_it_refuses_bad_values_naming_the_variable(load, env, named):
    with pytest.raises(ImproperlyConfigured, match=named):
        load(**env)


def test_check_deploy_is_clean_with_production_values():
    env = {
        key: value
        for key, value in os.environ.items()
        # the browser tests set DJANGO_ALLOW_ASYNC_UNSAFE, which --deploy rightly refuses
        if key not in ENV_VARS and key not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    env.update(
        DJANGO_SETTINGS_MODULE="habitstory.settings",
        DEBUG="0",
        SECRET_KEY="p" * 20 + "-production-secret-with-enough-entropy-4f9a2c7e1b",
        ALLOWED_HOSTS="habitstory.example",
        HTTPS="1",
        STATIC_MANIFEST="0",
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stderr


def test_a_bad_value_stops_manage_py_with_a_clear_message():
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    env.update(DJANGO_SETTINGS_MODULE="habitstory.settings", DEBUG="1", DATABASE_URL="mysql://x/y")
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode != 0
    assert "DATABASE_URL must be a sqlite:/// or postgres:// URL" in result.stderr


def test_production_logs_are_json_lines(load, capsys):
    import json
    import logging.config

    s = load()
    logging.config.dictConfig(s["LOGGING"])
    try:
        logging.getLogger("habitstory.test").warning("day close took %s ms", 12)
        line = capsys.readouterr().err.strip().splitlines()[-1]
        record = json.loads(line)
        assert record["message"] == "day close took 12 ms"
        assert record["level"] == "WARNING" and record["logger"] == "habitstory.test"
    finally:
        from django.conf import settings

        logging.config.dictConfig(settings.LOGGING)
