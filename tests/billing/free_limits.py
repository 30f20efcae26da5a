"""The Free plan's limits as seeded (migration 0002), for the domain limit tests: seeded
again before each (an earlier transactional test's flush may have emptied the table) and
set per kind."""

from __future__ import annotations

import importlib

import pytest

from habitstory.billing.models import PlanLimit

SEEDED = importlib.import_module("habitstory.billing.migrations.0002_free_limits").FREE_LIMITS


def seed() -> None:
    for kind, limit in SEEDED.items():
        PlanLimit.objects.get_or_create(kind=kind, defaults={"free_limit": limit})


def set_limit(kind: str, limit: int | None) -> None:
    PlanLimit.objects.update_or_create(kind=kind, defaults={"free_limit": limit})


@pytest.fixture(autouse=True)
def seeded_limits() -> None:
    """Autouse in the modules that import it (all their tests use the database)."""
    seed()
