"""Every page that needs login sends strangers to log in; errors render styled pages."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOGIN_REQUIRED = ["/", "/habits/", "/goals/", "/quests/", "/profile/"]


@pytest.mark.parametrize("url", LOGIN_REQUIRED)
def test_anonymous_visitors_are_sent_to_log_in(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('account_login')}?next={url}"


@pytest.mark.parametrize("url", LOGIN_REQUIRED)
def test_signed_in_users_see_the_shell(owner_client, url):
    response = owner_client.get(url)
    assert response.status_code == 200
    html = response.content.decode()
    assert 'aria-label="Main"' in html and '<main id="main"' in html
    assert 'ws-connect="/ws/live/"' in html
    assert 'hx-headers=\'{"X-CSRFToken": "' in html
    assert 'aria-current="page"' in html


@pytest.mark.parametrize("url", LOGIN_REQUIRED)
def test_pages_refuse_writes(owner_client, url):
    if url != "/profile/":  # the profile form is the one page that takes a POST
        assert owner_client.post(url).status_code == 405
    assert owner_client.delete(url).status_code == 405


def test_unknown_urls_render_the_styled_404(owner_client):
    response = owner_client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"This page is not in the story" in response.content
    assert b"Skip to content" in response.content


def test_the_404_works_for_anonymous_visitors_too(client):
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    assert b"This page is not in the story" in response.content


def test_server_errors_render_the_styled_500():
    from habitstory.core import views

    response = views.server_error(None)
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_an_exception_in_a_view_gives_the_500_page(owner, monkeypatch):
    from habits import views

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(views, "render", boom)
    client = Client(raise_request_exception=False)
    client.force_login(owner)
    response = client.get("/")
    assert response.status_code == 500
    assert b"Something went wrong on our side" in response.content


def test_no_template_has_a_multi_line_comment_tag():
    """Django's {# #} is one line only: a multi-line one is printed on the page."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    offenders = []
    for path in root.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if "{#" in line and "#}" not in line[line.index("{#"):]:
                offenders.append(f"{path.relative_to(root)}:{number}")
    assert offenders == []
