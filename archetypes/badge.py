"""The user's archetype, house and crest for the header and the profile page: cached per
user (so the header costs no query on most pages), forgotten when they change."""

from __future__ import annotations

from django.core.cache import cache

from .models import Assignment, Membership

TTL = 10 * 60  # seconds: the longest a change made elsewhere (admin) may take to show


def _key(user_id: int) -> str:
    return f"archetypes:badge:{user_id}"


def get(user) -> dict:
    """{} before the quiz; otherwise the archetype's and the house's names, slugs and art
    (two queries when not cached)."""
    key = _key(user.pk)
    found = cache.get(key)
    if found is not None:
        return found
    assignment = Assignment.objects.filter(user=user, active=True).select_related("archetype", "house").first()
    found = {}
    if assignment is not None:
        membership = Membership.objects.filter(user=user).select_related("house").first()
        house = membership.house if membership else assignment.house
        found = {
            "archetype": assignment.archetype.name, "archetype_slug": assignment.archetype.slug,
            "illustration": assignment.archetype.illustration, "tagline": assignment.archetype.tagline,
            "house": house.name, "house_slug": house.slug, "crest": house.crest, "motto": house.motto,
        }
    cache.set(key, found, TTL)
    return found


def forget(user_id: int) -> None:
    """After an assignment or a change of house."""
    cache.delete(_key(user_id))
