"""A plan limit reached by a button (no form to show it in) comes back as a message on the
page the user was on, with the upgrade link; never a 500."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.billing.limit_urls")]


def test_a_button_over_the_limit_goes_back_with_the_message(owner_client):
    response = owner_client.post("/test/restore/", HTTP_REFERER="http://testserver/habits/")
    assert response.status_code == 302 and response["Location"] == "http://testserver/habits/"
    page = owner_client.get("/habits/").content.decode()
    assert "The Free plan allows 10 active habits; you have 10." in page
    assert '<a href="/billing/pricing/">See Premium</a>' in page  # the link, not its escaped text


def test_a_referer_from_elsewhere_is_not_followed(owner_client):
    response = owner_client.post("/test/restore/", HTTP_REFERER="https://evil.example/")
    assert response.status_code == 302 and response["Location"] == "/"


def test_htmx_gets_a_toast_and_keeps_the_page(owner_client):
    response = owner_client.post("/test/restore/", HTTP_HX_REQUEST="true")
    assert response.status_code == 200 and response["HX-Reswap"] == "none"
    body = response.content.decode()
    assert 'id="toasts" hx-swap-oob="beforeend"' in body and "allows 10 active habits" in body
    assert '<a href="/billing/pricing/">See Premium</a>' in body
