"""Traits, the quiz, archetypes, houses and assignments arrive with the archetypes issue."""
