"""check --deploy warns when Stripe's settings are half set (docs/billing.md, "Configuration")."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from habitstory.billing.checks import NAMES, stripe_settings


def test_it_says_nothing_when_none_is_set(settings):
    for name in NAMES:
        setattr(settings, name, "")
    assert stripe_settings(None) == []


def test_it_says_nothing_when_all_are_set(settings):
    for name in NAMES:
        setattr(settings, name, f"{name.lower()}_value")
    assert stripe_settings(None) == []


@pytest.mark.parametrize("missing", NAMES)
def test_it_warns_when_one_is_missing(settings, missing):
    for name in NAMES:
        setattr(settings, name, "" if name == missing else "x")
    [warning] = stripe_settings(None)
    assert warning.id == "billing.W001" and f"but {missing} missing" in warning.msg


def test_check_deploy_reports_it_and_plain_check_does_not(settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_live_x", ""
    assert "billing.W001" in {message.id for message in run_checks(include_deployment_checks=True)}
    assert "billing.W001" not in {message.id for message in run_checks()}
