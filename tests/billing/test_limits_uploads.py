"""The Free plan's verification uploads: so many a month (10 as seeded; 2 here), counted
from the first of the user's month in their time zone. One past the limit is refused
before the file is read or stored (the story layer, the API's 403 plan_limit), and again
under the commit's lock when two race for the last place (the loser's file discarded).
The capture page says so up front with the upgrade link, and its script adds the link to
a refusal. Premium and billing off have no limit, and billing off asks nothing."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from habitstory.api import services as token_services
from habitstory.billing import limits
from habitstory.billing.limits import PlanLimitReached
from habitstory.billing.models import Kind
from tests.api.conftest import ApiClient
from tests.verification.factories import jpeg, make_habit, sha256, submit_photo
from verification import media, usage
from verification import services as verification
from verification.models import Submission

from .free_limits import seeded_limits, set_limit  # noqa: F401 - autouse

pytestmark = pytest.mark.django_db
# Tuesday 31 March 2026, 12:00 UTC: already 1 April (01:00) in Auckland (UTC+13).
NOW = dt.datetime(2026, 3, 31, 12, 0, tzinfo=dt.UTC)
PRICING = 'href="/billing/pricing/"'


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def two_a_month(billing_on):
    set_limit(Kind.UPLOADS, 2)


@pytest.fixture
def habit(owner):
    return make_habit(owner)


def stored(root: Path) -> list[Path]:
    folder = root / "verification"
    return sorted(folder.iterdir()) if folder.exists() else []


def days_ago(user, n: int) -> dt.date:
    return user.profile.local_today() - dt.timedelta(days=n)


def test_the_month_is_the_users_own_in_their_time_zone(owner, time_machine):
    time_machine.move_to(NOW, tick=False)
    owner.profile.timezone = "Pacific/Auckland"
    owner.profile.save()
    habit = make_habit(owner)
    first, second, third = (submit_photo(owner, habit, days_ago(owner, n)) for n in (1, 2, 3))
    Submission.objects.filter(pk=first.pk).update(created_at=NOW - dt.timedelta(hours=1))  # 1 April, 00:00 there
    Submission.objects.filter(pk=second.pk).update(created_at=NOW - dt.timedelta(hours=1, seconds=1))  # 31 March
    Submission.objects.filter(pk=third.pk).update(created_at=NOW - dt.timedelta(days=40))
    assert usage.month_start(owner.profile, NOW) == dt.datetime(2026, 3, 31, 11, 0, tzinfo=dt.UTC)
    assert usage.uploads_this_month(owner) == 1
    owner.profile.timezone = "UTC"
    owner.profile.save()
    assert usage.uploads_this_month(owner) == 2  # in UTC both are March's; 40 days ago is February

def test_one_past_the_limit_is_refused_before_the_file_is_read_or_stored(two_a_month, owner, habit, _media,
                                                                          monkeypatch):
    submit_photo(owner, habit, days_ago(owner, 1))
    submit_photo(owner, habit, days_ago(owner, 2))
    files = stored(_media)
    monkeypatch.setattr(media, "prepare", lambda *args: pytest.fail("read the file"))
    with pytest.raises(PlanLimitReached) as refused:
        submit_photo(owner, habit)
    assert refused.value.details == {"limit": 2, "used": 2, "kind": "uploads"}
    assert Submission.objects.count() == 2 and stored(_media) == files


def test_two_racing_for_the_last_place_one_wins_and_the_others_file_is_discarded(two_a_month, owner, habit,
                                                                                 _media, monkeypatch):
    submit_photo(owner, habit, days_ago(owner, 1))
    store = verification.store_media
    racing = []

    def store_then_another_lands(prepared):
        result = store(prepared)
        if not racing:  # meanwhile, another upload takes the last place
            racing.append(prepared)
            submit_photo(owner, habit, days_ago(owner, 2))
        return result

    monkeypatch.setattr(verification, "store_media", store_then_another_lands)
    with pytest.raises(PlanLimitReached):
        submit_photo(owner, habit)
    assert list(Submission.objects.values_list("on", flat=True).order_by("on")) == [days_ago(owner, 2),
                                                                                    days_ago(owner, 1)]
    assert len(stored(_media)) == 2  # the refused one's file went


def test_the_api_answers_403_plan_limit_and_stores_nothing(two_a_month, owner, habit, _media):
    submit_photo(owner, habit, days_ago(owner, 1))
    submit_photo(owner, habit, days_ago(owner, 2))
    files = stored(_media)
    api = ApiClient(token_services.issue_token(owner, "tests")[1])
    data = jpeg()
    response = api.client.post("/api/v1/verifications", {
        "habit": str(habit.pk), "on": owner.profile.local_today().isoformat(), "kind": "photo",
        "sha256": sha256(data), "file": SimpleUploadedFile("p.jpg", data, "image/jpeg"),
    }, HTTP_AUTHORIZATION=f"Bearer {api.token}")
    assert response.status_code == 403, response.content
    error = response.json()["error"]
    assert error["code"] == "plan_limit" and error["details"] == {"limit": 2, "used": 2, "kind": "uploads"}
    assert "The Free plan allows 2 verification uploads this month; you have 2." in error["message"]
    assert Submission.objects.count() == 2 and stored(_media) == files


def test_the_capture_page_says_so_up_front_with_the_link(two_a_month, owner_client, owner, habit):
    url = f"/verify/{habit.pk}/{owner.profile.local_today().isoformat()}/"
    assert 'id="upload-limit"' not in owner_client.get(url).content.decode()
    submit_photo(owner, habit, days_ago(owner, 1))
    submit_photo(owner, habit, days_ago(owner, 2))
    html = owner_client.get(url).content.decode()
    assert 'id="upload-limit"' in html and "2 verification uploads this month" in html and PRICING in html
    assert 'data-pricing-url="/billing/pricing/"' in html
    assert "Mark done without proof" in html


def test_the_capture_script_adds_the_upgrade_link_to_a_plan_limit_refusal():
    script = Path("static/js/verification/capture.js").read_text()
    handler = script[script.index("async function upload()"):script.index("function retake()")]
    assert 'result.error.code === "plan_limit"' in handler and "config.pricingUrl" in handler
    assert "ui.error.append(" in handler and '"See Premium"' in handler


def test_premium_and_billing_off_have_no_limit(settings, two_a_month, owner, habit, make_premium,
                                                django_assert_num_queries):
    make_premium(owner)
    for n in range(3):
        submit_photo(owner, habit, days_ago(owner, n))
    settings.STRIPE_SECRET_KEY = ""  # billing off
    submit_photo(owner, habit, days_ago(owner, 3))
    assert Submission.objects.count() == 4
    with django_assert_num_queries(0):
        limits.ensure_can_add(owner, Kind.UPLOADS, 1000)
