"""The pet as people see it: what its drawing shows (gamification/_pet_svg.html), its page's
facts, its mood's rule (`Activity`), and the one writer of its name and species,
`rename_pet`. The rabbit and the phoenix are Premium's when billing is on.

XP, level, stage and mood move only through gamification.services (the commit step's
`settle` and the day close's `move_moods`); this module never writes them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

from django import forms
from django.core.exceptions import ValidationError

from habitstory.billing import limits
from habitstory.billing.models import Feature
from habitstory.core.numbers import round_half_up
from habitstory.core.text import validate_label

from . import rules
from .models import Pet, PetEvent

NAME_MAX = 30
PREMIUM_SPECIES = frozenset({Pet.Species.RABBIT, Pet.Species.PHOENIX})
HISTORY_LIMIT = 30

# How big the creature is drawn at each stage; an egg is drawn on its own.
STAGE_SCALE = {"egg": "1", "hatchling": "0.62", "young": "0.8", "adult": "1", "legendary": "1"}

MOOD_TEXT = {
    "new": "New: settling in. For its first 3 days it stays calm; then its mood follows your last 7 days.",
    "thriving": "Thriving: almost every habit due in the last 7 days was done.",
    "happy": "Happy: most habits due in the last 7 days were done.",
    "okay": "Okay: about half of the last 7 days' habits were done.",
    "sad": "Sad: most habits due in the last 7 days were missed.",
    "sleepy": "Sleepy: nothing was done for 3 days or more. A tick wakes it up.",
}


@dataclass(frozen=True)
class Activity:
    """A user's last 7 days, as the pet's mood reads them: each active habit's (expected,
    done) days (habits.today_list.habit_week; a fraction for an "N per week" habit that
    started within them) and last done day."""

    today: dt.date
    counts: list[tuple[int | Fraction, int | Fraction]]
    last_done: list[dt.date | None]

    def consistency(self) -> int | None:
        """round(100 × done ÷ expected) over the habits, at most 100; None when nothing
        was expected."""
        expected = sum(e for e, _ in self.counts)
        hits = sum(h for _, h in self.counts)
        return min(100, round_half_up(Fraction(100 * hits) / expected)) if expected else None

    def days_since_done(self) -> int | None:
        last = max((day for day in self.last_done if day), default=None)
        return (self.today - last).days if last else None

    def mood(self, *, new: bool = False) -> str:
        return rules.mood_for(self.consistency(), self.days_since_done(), new=new)


def is_new(created_at: dt.datetime | None, now: dt.datetime) -> bool:
    """A pet younger than rules.NEW_PET_AGE (or not saved yet) keeps the calm "new" mood."""
    return created_at is None or now - created_at < rules.NEW_PET_AGE


def mood_of(pet: Pet, activity: Activity, now: dt.datetime) -> str:
    """The pet's mood from its age and its owner's last 7 days (docs/rules.md, "Pet")."""
    return activity.mood(new=is_new(pet.created_at, now))


@dataclass(frozen=True)
class Drawing:
    """What _pet_svg.html needs to draw one pet."""

    species: str
    stage: str
    mood: str
    title: str
    scale: str  # a string, so the template never localises the decimal point

    @property
    def is_egg(self) -> bool:
        return self.stage == Pet.Stage.EGG

    @property
    def transform(self) -> str:
        """Grow the creature from its feet (60, 106) in the 120 × 120 view box."""
        return f"translate(60 106) scale({self.scale}) translate(-60 -106)"

    @property
    def face_dy(self) -> int:
        """An egg wears its face lower down than a creature's head."""
        return 26 if self.is_egg else 0

    @property
    def mouth_dy(self) -> int:
        """A bird's mouth (the owl's, the phoenix's) sits under its beak."""
        return 5 if self.species in (Pet.Species.OWL, Pet.Species.PHOENIX) and not self.is_egg else 0


def describe(pet: Pet, species: str | None = None) -> str:
    """"Pip the fox, a happy hatchling": the drawing's accessible name."""
    species_label = Pet.Species(species or pet.species).label.lower()
    mood, stage = Pet.Mood(pet.mood).label.lower(), Pet.Stage(pet.stage).label.lower()
    article = "an" if mood[0] in "aeiou" else "a"
    return f"{pet.name} the {species_label}, {article} {mood} {stage}"


def drawing(pet: Pet, species: str | None = None) -> Drawing:
    """The pet's drawing; `species` draws it as another species (the species picker)."""
    species = species or pet.species
    return Drawing(
        species=species, stage=pet.stage, mood=pet.mood,
        title=describe(pet, species), scale=STAGE_SCALE.get(pet.stage, "1"),
    )


def pet_for(user) -> Pet:
    """The user's pet, or, before their first tick gives them one, the egg they will get
    (unsaved: a page view writes nothing)."""
    return Pet.objects.filter(user=user).first() or Pet(user=user)


def history(pet: Pet) -> list[PetEvent]:
    """Newest first, at most HISTORY_LIMIT."""
    return list(pet.events.all()[:HISTORY_LIMIT]) if pet.pk else []


def facts(pet: Pet) -> dict:
    """Level, XP to the next level and the next stage, for the pet page."""
    level, into, need = rules.level_for(pet.xp)
    next_stage = min(
        ((threshold, stage) for threshold, stage in rules.PET_STAGES if threshold > level), default=None
    )
    return {
        "level": level,
        "into": into,
        "need": need,
        "to_next": need - into,
        "percent": min(100, round(100 * into / need)) if need else 100,
        "next_stage": Pet.Stage(next_stage[1]).label.lower() if next_stage else None,
        "next_stage_level": next_stage[0] if next_stage else None,
        "mood_text": MOOD_TEXT.get(pet.mood, ""),
    }


class PetForm(forms.Form):
    name = forms.CharField(
        max_length=NAME_MAX,
        validators=Pet._meta.get_field("name").validators,
        error_messages={"required": "Give your pet a name.", "max_length": "Up to 30 characters, please."},
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )
    species = forms.ChoiceField(
        choices=Pet.Species.choices,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Pick one of the species shown."},
    )


@dataclass(frozen=True)
class SpeciesChoice:
    """One species in the picker: its drawing, and whether it waits for Premium."""

    value: str
    label: str
    sketch: Drawing
    locked: bool


def species_choices(pet: Pet, user) -> list[SpeciesChoice]:
    """Every species drawn as this pet; Premium's are locked on Free (billing on), except
    the one the pet already is (kept after a downgrade)."""
    premium = limits.has_feature(user, Feature.PET_SPECIES)
    return [SpeciesChoice(value, label, drawing(pet, value),
                          locked=not premium and value in PREMIUM_SPECIES and value != pet.species)
            for value, label in Pet.Species.choices]


def rename_pet(pet: Pet, name: str, species: str) -> Pet:
    """Give the pet a name (trimmed, 1–30 characters) and a species. Only these two fields
    are written, so a tick moving the pet's XP at the same moment is not overwritten.
    Choosing one of PREMIUM_SPECIES on Free is refused (PlanLimitReached); a pet that is
    one already keeps it."""
    name = (name or "").strip()
    errors = {}
    if not name:
        errors["name"] = "Give your pet a name."
    elif len(name) > NAME_MAX:
        errors["name"] = "Up to 30 characters, please."
    else:
        try:
            validate_label(name)
        except ValidationError as error:
            errors["name"] = error.messages
    if species not in Pet.Species.values:
        errors["species"] = "Pick one of the species shown."
    if errors:
        raise ValidationError(errors)
    if species in PREMIUM_SPECIES and species != pet.species and limits.enabled():
        limits.ensure_feature(pet.user, Feature.PET_SPECIES)
    pet.name, pet.species = name, species
    pet.save(update_fields=["name", "species", "updated_at"])
    return pet
