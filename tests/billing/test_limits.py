"""The one limit check (habitstory.billing.limits): who is Premium, when a Free account may
add one more, and that billing off means no limits at all."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from hypothesis import given
from hypothesis import strategies as st

from habitstory.billing import limits
from habitstory.billing.models import Kind, PlanLimit, Subscription

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 6, 12, tzinfo=dt.UTC)


@pytest.fixture
def counted(monkeypatch):
    """A counter for pillars that answers what the test says."""
    counts = {"used": 0}
    monkeypatch.setitem(limits._counters, Kind.PILLARS, lambda user: counts["used"])
    return counts


def sub(**fields) -> Subscription:
    values = {"status": "active", "current_period_end": NOW + dt.timedelta(days=20), **fields}
    return Subscription(**values)


def test_no_subscription_or_a_dead_one_is_free():
    assert not limits.premium_state(None, NOW)
    for status in ("", "canceled", "unpaid", "incomplete", "incomplete_expired", "paused"):
        assert not limits.premium_state(sub(status=status), NOW), status


def test_active_trialing_and_past_due_are_premium():
    for status in ("active", "trialing", "past_due"):
        assert limits.premium_state(sub(status=status), NOW), status


def test_cancelled_at_period_end_keeps_premium_until_the_end():
    cancelling = sub(cancel_at_period_end=True, current_period_end=NOW + dt.timedelta(hours=1))
    assert limits.premium_state(cancelling, NOW)
    assert limits.premium_state(cancelling, NOW + dt.timedelta(minutes=59))
    assert not limits.premium_state(cancelling, NOW + dt.timedelta(hours=1))


def test_a_failed_payment_keeps_premium_for_seven_days_then_free():
    failed = sub(status="past_due", past_due_since=NOW)
    assert limits.grace_until(failed, NOW) == NOW + dt.timedelta(days=7)
    assert limits.premium_state(failed, NOW + dt.timedelta(days=7) - dt.timedelta(seconds=1))
    assert not limits.premium_state(failed, NOW + dt.timedelta(days=7))
    assert limits.grace_until(failed, NOW + dt.timedelta(days=7)) is None
    assert limits.grace_until(sub(), NOW) is None


@given(st.sampled_from(["active", "trialing", "past_due", "canceled", "unpaid", ""]),
       st.integers(min_value=-30 * 86400, max_value=30 * 86400), st.booleans(),
       st.one_of(st.none(), st.integers(min_value=-30 * 86400, max_value=0)))
def test_premium_state_is_the_rule_in_the_docs(status, period_offset, cancelling, failed_offset):
    period_end = NOW + dt.timedelta(seconds=period_offset)
    failed = None if failed_offset is None else NOW + dt.timedelta(seconds=failed_offset)
    state = sub(status=status, current_period_end=period_end, cancel_at_period_end=cancelling, past_due_since=failed)
    expected = (status in {"active", "trialing", "past_due"}
                and not (cancelling and NOW >= period_end)
                and not (failed is not None and NOW - failed >= dt.timedelta(days=7)))
    assert limits.premium_state(state, NOW) is expected


def test_billing_off_means_no_limits_and_no_queries(owner, counted, django_assert_num_queries):
    counted["used"] = 99
    with django_assert_num_queries(0):
        limits.ensure_can_add(owner, Kind.PILLARS)
        assert limits.is_premium(owner)
        assert limits.has_feature(owner, "forecasts")
    state = limits.plan_state(owner)
    assert (state.name, state.premium, state.subscription) == ("Unlimited", False, None)  # nothing sold


def test_free_user_at_the_limit_is_refused_with_the_numbers(billing_on, owner, counted):
    counted["used"] = 2
    limits.ensure_can_add(owner, Kind.PILLARS)  # the third of three
    counted["used"] = 3
    with pytest.raises(limits.PlanLimitReached) as refused:
        limits.ensure_can_add(owner, Kind.PILLARS)
    assert refused.value.details == {"limit": 3, "used": 3, "kind": "pillars"}
    assert "allows 3 pillars" in refused.value.message and "you have 3" in refused.value.message
    assert 'href="/billing/pricing/"' in refused.value.html()


def test_a_limit_of_one_reads_as_one(billing_on, owner, counted):
    PlanLimit.objects.update_or_create(kind=Kind.PILLARS, defaults={"free_limit": 1})
    counted["used"] = 1
    with pytest.raises(limits.PlanLimitReached) as refused:
        limits.ensure_can_add(owner, Kind.PILLARS)
    assert refused.value.message.startswith("The Free plan allows 1 pillar; you have 1.")


def test_adding_several_counts_them_all(billing_on, owner, counted):
    counted["used"] = 1
    limits.ensure_can_add(owner, Kind.PILLARS, adding=2)
    with pytest.raises(limits.PlanLimitReached):
        limits.ensure_can_add(owner, Kind.PILLARS, adding=3)
    limits.ensure_can_add(owner, Kind.PILLARS, adding=0)  # nothing added, nothing refused


def test_staff_edit_the_limit_and_empty_means_none(billing_on, owner, counted):
    counted["used"] = 3
    PlanLimit.objects.update_or_create(kind=Kind.PILLARS, defaults={"free_limit": 5})
    limits.ensure_can_add(owner, Kind.PILLARS)
    PlanLimit.objects.update_or_create(kind=Kind.PILLARS, defaults={"free_limit": None})
    counted["used"] = 1000
    limits.ensure_can_add(owner, Kind.PILLARS)


def test_premium_has_no_limits_and_every_feature(billing_on, owner, counted, make_premium):
    counted["used"] = 50
    make_premium(owner)
    limits.ensure_can_add(owner, Kind.PILLARS)
    assert limits.has_feature(owner, "what_if") and limits.plan_state(owner).name == "Premium"


def test_features_are_premium_when_billing_is_on(billing_on, owner):
    assert not limits.has_feature(owner, "forecasts")
    with pytest.raises(limits.PlanLimitReached) as refused:
        limits.ensure_feature(owner, "forecasts")
    assert refused.value.details == {"limit": 0, "used": 0, "kind": "forecasts"}
    assert "Premium" in refused.value.message


def test_lifted_is_for_backfills_only_inside_its_block(billing_on, owner, counted):
    counted["used"] = 3
    with limits.lifted():
        limits.ensure_can_add(owner, Kind.PILLARS)
    with pytest.raises(limits.PlanLimitReached):
        limits.ensure_can_add(owner, Kind.PILLARS)


def test_billing_is_on_only_with_key_secret_and_a_price(settings):
    settings.STRIPE_SECRET_KEY, settings.STRIPE_WEBHOOK_SECRET = "sk_test", "whsec"
    settings.STRIPE_PRICE_MONTHLY = settings.STRIPE_PRICE_YEARLY = ""
    assert not limits.enabled()
    settings.STRIPE_PRICE_YEARLY = "price_y"
    assert limits.enabled()
    settings.STRIPE_WEBHOOK_SECRET = ""
    assert not limits.enabled()


def test_usage_lists_every_kind_against_its_limit(billing_on, owner, counted, make_premium):
    counted["used"] = 2
    rows = {row.kind: row for row in limits.usage(owner)}
    assert list(rows) == list(Kind.values)
    assert (rows["pillars"].used, rows["pillars"].limit, rows["pillars"].percent) == (2, 3, 67)
    assert not rows["pillars"].full
    counted["used"] = 4
    assert limits.usage(owner)[0].over
    make_premium(owner)
    assert all(row.limit is None for row in limits.usage(owner))


def test_the_subscription_is_read_once_per_user_object(billing_on, owner, django_assert_num_queries):
    with django_assert_num_queries(1):
        limits.is_premium(owner)
        limits.is_premium(owner)
        limits.plan_state(owner)


SUGGESTED = {"pillars": 3, "habits": 10, "goals": 3, "quests": 10, "uploads": 10}


def test_a_kind_without_a_row_has_the_suggested_limit_not_none():
    PlanLimit.objects.all().delete()
    assert limits.free_limits() == SUGGESTED
    assert limits.free_limit("habits") == 10
    PlanLimit.objects.create(kind="habits", free_limit=None)
    assert limits.free_limit("habits") is None and limits.free_limits()["habits"] is None


def test_the_migration_seeds_the_suggested_limits():
    seeded = dict(PlanLimit.objects.values_list("kind", "free_limit"))
    assert seeded in ({}, SUGGESTED)  # {} only after a transactional test flushed the table
    assert limits.free_limits() == SUGGESTED


def test_timezone_now_is_the_default_clock(billing_on, owner, make_premium):
    make_premium(owner, cancel_at_period_end=True, current_period_end=timezone.now() - dt.timedelta(seconds=1))
    assert not limits.is_premium(owner)
