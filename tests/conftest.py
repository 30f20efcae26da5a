from __future__ import annotations

import pytest
from django.core.cache import cache

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _clean_cache():
    """Rate limits and health keys live in the cache: every test starts with it empty."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def make_user(django_user_model):
    def make(email: str, password: str = PASSWORD, **extra):
        return django_user_model.objects.create_user(email, password, **extra)

    return make


@pytest.fixture
def owner(make_user):
    return make_user("owner@example.com")


@pytest.fixture
def stranger(make_user):
    return make_user("stranger@example.com")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


def pytest_collection_modifyitems(config, items):
    """Browser journeys run last: Playwright's sync API keeps an event loop on the main
    thread, which the rest of the suite (async_to_sync, Django's async-safety checks)
    must not see."""
    items.sort(key=lambda item: "/tests/e2e/" in str(item.path).replace("\\", "/"))
