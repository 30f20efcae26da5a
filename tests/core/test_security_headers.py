from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.django_db


def test_pages_carry_a_strict_content_security_policy(owner_client):
    response = owner_client.get("/")
    policy = response["Content-Security-Policy"]
    script_src = re.search(r"script-src ([^;]+)", policy).group(1)
    assert "'unsafe-inline'" not in policy
    assert "'unsafe-eval'" not in policy
    nonce = re.search(r"'nonce-([^']+)'", script_src).group(1)
    html = response.content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert scripts, "the shell loads its scripts"
    assert all(f'nonce="{nonce}"' in tag and "src=" in tag for tag in scripts), scripts
    assert "frame-ancestors 'none'" in policy


def test_sockets_and_fetches_may_reach_only_this_site(owner_client):
    policy = owner_client.get("/")["Content-Security-Policy"]
    connect_src = re.search(r"connect-src ([^;]+)", policy).group(1).split()
    assert connect_src == ["'self'", "ws://127.0.0.1:8000"]  # SITE_URL's socket origin


def test_the_nonce_changes_per_response(owner_client):
    first = owner_client.get("/")["Content-Security-Policy"]
    second = owner_client.get("/")["Content-Security-Policy"]
    assert first != second


def test_htmx_is_vendored_not_fetched(owner_client):
    html = owner_client.get("/").content.decode()
    assert '/static/vendor/htmx-2.0.11.min.js' in html
    assert '/static/vendor/htmx-ext-ws-2.0.4.js' in html
    assert "http://" not in re.sub(r'xmlns="http://www.w3.org/2000/svg"', "", html).replace("http://testserver", "")
    assert "https://" not in html
