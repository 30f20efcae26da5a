"""The rewards pages: achievements, the pet (and renaming it), the profile's leaderboard
setting and the header's link to the pet."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.template.loader import render_to_string
from django.utils import timezone

from gamification import pets
from gamification.models import Achievement, Pet, PetEvent, UserAchievement
from goals.models import Goal
from habits.models import Habit
from habits.services import save_habit

pytestmark = pytest.mark.django_db

ACHIEVEMENTS = "/rewards/achievements/"
PET = "/rewards/pet/"
LEADERBOARD = "/rewards/leaderboard/"
PAGES = [ACHIEVEMENTS, PET, LEADERBOARD]


def text(response) -> str:
    return response.content.decode()


def make_habit(user, name="Read", **stats) -> Habit:
    habit = save_habit(Habit(user=user, name=name, start_date=dt.date(2026, 1, 1)))
    if stats:
        Habit.objects.filter(pk=habit.pk).update(**stats)
    return habit


# --- access -------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", PAGES)
def test_it_needs_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize(("url", "method"), [
    (ACHIEVEMENTS, "post"), (LEADERBOARD, "post"), (PET, "put"), (PET, "delete"), (ACHIEVEMENTS, "delete"),
])
def test_it_refuses_wrong_methods(owner_client, url, method):
    assert getattr(owner_client, method)(url).status_code == 405


@pytest.mark.parametrize("url", PAGES)
def test_it_links_the_rewards_pages_to_each_other(owner_client, url):
    html = text(owner_client.get(url))
    nav = html[html.index('<nav class="rewards-nav"'):]
    nav = nav[:nav.index("</nav>")]
    for other in PAGES:
        assert f'href="{other}"' in nav
    assert f'href="{url}" aria-current="page"' in nav


def test_the_header_links_to_the_pet(owner_client):
    html = text(owner_client.get(ACHIEVEMENTS))
    assert re.search(r'<a id="pet-slot" class="pet-slot pet-link" href="/rewards/pet/" aria-label="Your pet">', html)


# --- achievements ---------------------------------------------------------------------------


def test_it_lists_active_achievements_with_unlock_dates_and_progress(owner_client, owner):
    first = Achievement.objects.get(code="first-tick")
    UserAchievement.objects.create(user=owner, achievement=first)
    UserAchievement.objects.filter(user=owner).update(unlocked_at=dt.datetime(2026, 3, 4, 12, tzinfo=dt.UTC))
    Achievement.objects.filter(code="level-50").update(active=False)
    make_habit(owner, current_streak=42, total_done=57)
    make_habit(owner, "Run", current_streak=5, total_done=3)
    make_habit(owner, "Gone", current_streak=80, total_done=10, deleted_at=timezone.now())  # ticks count, streak not
    Goal.objects.create(user=owner, name="Save", target_value=10, start_date=dt.date(2026, 1, 1),
                        completed_at=timezone.now())

    response = owner_client.get(ACHIEVEMENTS)

    assert response.status_code == 200
    html = text(response)
    active = Achievement.objects.filter(active=True).count()
    assert f"1 of {active} unlocked" in html
    assert "Level 50" not in html  # inactive definitions are left out
    # Unlocked: its date; locked: dimmed, with progress.
    assert re.search(r'<li class="achievement is-unlocked">.*?First step.*?4 Mar 2026', html, re.S)
    assert re.search(r'<li class="achievement is-locked">.*?It&#x27;s a habit now.*?42/66 days', html, re.S)
    assert '<progress max="66" value="42"' in html
    assert '<progress max="7" value="7"' in html  # capped at the threshold
    assert "70/100 ticks" in html
    assert "1/5 goals" in html
    assert "Level 1 of 5" in html
    # Kinds without a progress bar (perfect day) show none.
    perfect = html[html.index("Perfect day</h3>"):]
    assert "<progress" not in perfect[:perfect.index("</li>")]


def test_it_shows_the_xp_numbers(owner_client, owner):
    owner.profile.xp_total = 200  # level 2: 50 of 160 into it
    owner.profile.save()
    html = text(owner_client.get(ACHIEVEMENTS))
    assert '<h2 id="level-title">Level 2</h2>' in html
    assert "<dt>Total XP</dt><dd>200</dd>" in html
    assert "<dt>To level 3</dt><dd>110 XP</dd>" in html
    assert "50 / 160 XP into level 2" in html


def test_the_achievements_page_needs_the_same_queries_however_much_there_is(
    owner_client, owner, django_assert_max_num_queries, django_assert_num_queries,
):
    owner_client.get(ACHIEVEMENTS)  # warm anything cached per process
    # Session, user, profile; unlocks, definitions; the habits', the goals' and the quests' numbers.
    with django_assert_max_num_queries(8) as few:
        owner_client.get(ACHIEVEMENTS)
    for n in range(10):
        make_habit(owner, f"Habit {n}", current_streak=n, total_done=n)
        Achievement.objects.create(code=f"extra-{n}", name=f"Extra {n}", description="More.",
                                   kind="habit_streak", threshold=50 + n)
    for achievement in Achievement.objects.all()[:5]:
        UserAchievement.objects.create(user=owner, achievement=achievement)
    with django_assert_num_queries(len(few)):
        response = owner_client.get(ACHIEVEMENTS)
    assert "9/59 days" in text(response)


def test_progress_gives_the_same_numbers_alone_and_with_shared_facts(owner):
    from gamification.achievements import progress
    from habitstory.story.facts import progress_facts

    make_habit(owner, current_streak=4, total_done=12)
    facts = progress_facts(owner)
    for achievement in Achievement.objects.all():
        assert progress(achievement, progress_facts(owner, [achievement.kind])) == progress(achievement, facts)


# --- the pet page ---------------------------------------------------------------------------


def test_it_shows_a_new_users_egg_without_writing_anything(owner_client, owner):
    response = owner_client.get(PET)
    assert response.status_code == 200
    assert 'role="img" aria-labelledby="pet-title"><title id="pet-title">Egg the fox, a new egg</title>' in text(response)
    assert not Pet.objects.filter(user=owner).exists()


def test_it_shows_the_pet_its_level_and_history(owner_client, owner, stranger):
    pet = Pet.objects.create(user=owner, name="Pip", species="owl", xp=200, level=2, stage="hatchling", mood="happy")
    for n in range(35):
        PetEvent.objects.create(pet=pet, kind=PetEvent.Kind.LEVEL_UP, detail=f"Event number {n}.")
    Pet.objects.create(user=stranger, name="Zorro", species="dragon")

    html = text(owner_client.get(PET))

    assert "<title id=\"pet-title\">Pip the owl, a happy hatchling</title>" in html
    assert 'class="pet pet-owl pet-hatchling pet-mood-happy"' in html
    assert "<dt>Level</dt><dd>2</dd>" in html
    assert "<dt>Stage</dt><dd>Hatchling</dd>" in html
    assert "<dt>Mood</dt><dd>Happy</dd>" in html
    assert "50 / 160 XP: 110 XP to level 3" in html
    assert "Becomes young at level 5." in html
    history = re.findall(r"Event number (\d+)\.", html)
    assert history == [str(n) for n in range(34, 4, -1)]  # newest first, 30 of them
    assert "Zorro" not in html


@pytest.mark.parametrize(("field", "values"), [
    ("stage", Pet.Stage.values), ("mood", Pet.Mood.values), ("species", Pet.Species.values),
])
def test_the_drawing_changes_with_stage_mood_and_species(field, values):
    drawings = set()
    for value in values:
        pet = Pet(name="Pip", species="fox", stage="young", mood="okay")
        setattr(pet, field, value)
        svg = render_to_string("gamification/_pet_svg.html", {"d": pets.drawing(pet)})
        assert 'role="img"' in svg and "style=" not in svg
        drawings.add(re.sub(r"<title>.*?</title>|class=\"pet [^\"]*\"", "", svg))  # the shapes alone
    assert len(drawings) == len(values)


def test_the_drawing_is_titled_in_words():
    pet = Pet(name="Pip", species="fox", stage="hatchling", mood="happy")
    assert pets.describe(pet) == "Pip the fox, a happy hatchling"
    assert pets.describe(Pet(name="Ada", species="turtle", stage="adult", mood="okay")) == "Ada the turtle, an okay adult"


# --- naming the pet -------------------------------------------------------------------------


def test_it_names_the_pet_and_picks_its_species(owner_client, owner):
    Pet.objects.create(user=owner, xp=40)
    response = owner_client.post(PET, {"name": "  Pip  ", "species": "dragon"}, follow=True)
    assert response.redirect_chain == [(PET, 302)]
    pet = Pet.objects.get(user=owner)
    assert (pet.name, pet.species, pet.xp) == ("Pip", "dragon", 40)
    assert "Saved: Pip the dragon." in text(response)


def test_naming_gives_a_new_user_their_pet(owner_client, owner):
    owner_client.post(PET, {"name": "Shelly", "species": "turtle"})
    pet = Pet.objects.get(user=owner)
    assert (pet.name, pet.species) == ("Shelly", "turtle")
    assert pet.events.filter(kind=PetEvent.Kind.HATCHED).exists()


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"name": "   ", "species": "owl"}, "name", "Give your pet a name."),
    ({"name": "x" * 31, "species": "owl"}, "name", "Up to 30 characters, please."),
    ({"name": "Pip", "species": "unicorn"}, "species", "Pick one of the species shown."),
    ({"name": "Pip"}, "species", "This field is required."),
])
def test_it_refuses_a_bad_name_or_species(owner_client, owner, data, field, message):
    Pet.objects.create(user=owner, name="Egg", species="fox")
    response = owner_client.post(PET, data)
    assert response.status_code == 200
    html = text(response)
    assert message in html
    error_id = "id_name_error" if field == "name" else "species-error"
    assert f'id="{error_id}"' in html
    if field == "species":  # the typed name is kept
        assert 'value="Pip"' in html
    else:
        assert f'value="{data["name"]}"' in html
    pet = Pet.objects.get(user=owner)
    assert (pet.name, pet.species) == ("Egg", "fox")


def test_rename_pet_is_the_one_writer_and_checks_its_input(owner):
    pet = Pet.objects.create(user=owner, xp=30, mood="sad")
    with pytest.raises(ValidationError):
        pets.rename_pet(pet, " ", "fox")
    with pytest.raises(ValidationError):
        pets.rename_pet(pet, "Pip", "cat")
    for name in ("Pip\u202e", "P\x00ip", "Pi\np"):  # one line of visible text (core.text)
        with pytest.raises(ValidationError):
            pets.rename_pet(pet, name, "fox")
    Pet.objects.filter(pk=pet.pk).update(xp=90)  # a tick lands meanwhile
    pets.rename_pet(pet, " Pip ", "owl")
    pet.refresh_from_db()
    assert (pet.name, pet.species, pet.xp, pet.mood) == ("Pip", "owl", 90, "sad")


def test_the_form_needs_the_csrf_token(owner, client):
    client = type(client)(enforce_csrf_checks=True)
    client.force_login(owner)
    assert client.post(PET, {"name": "Pip", "species": "fox"}).status_code == 403


# --- the profile's leaderboard setting ------------------------------------------------------


def test_the_profile_offers_and_saves_the_leaderboard_setting(owner_client, owner):
    html = text(owner_client.get("/profile/"))
    assert 'name="show_on_leaderboards"' in html
    assert "Show me on leaderboards" in html
    data = {
        "display_name": "Robin", "timezone": "UTC", "day_start_hour": "0", "week_start": "0",
        "prompt_window_start": "07:00", "prompt_window_end": "22:00", "show_on_leaderboards": "on",
    }
    assert owner_client.post("/profile/", data).status_code == 302
    owner.profile.refresh_from_db()
    assert owner.profile.show_on_leaderboards is True
    del data["show_on_leaderboards"]
    owner_client.post("/profile/", data)
    owner.profile.refresh_from_db()
    assert owner.profile.show_on_leaderboards is False
