"""What a new user starts with, whichever way they signed up."""

from __future__ import annotations

from gamification.services import pet_of
from habits.pillars import create_default_pillars


def welcome(user) -> None:
    """The default pillars and the pet's egg (inside the sign-up's transaction)."""
    create_default_pillars(user)
    pet_of(user)  # every user starts with an egg
