"""The peer-review page (/verify/review/): who may opt in, the one claimed proof (never the
owner's identity), decisions, passing, leases, and who may see the media."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from habitstory.accounts.models import Profile
from verification import services
from verification.models import Review, Reviewer, Submission

from .factories import make_habit, make_reviewer, submit_photo

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
PAGE = "/verify/review/"
OWNER_NAME = "Zelda Quartzfield"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def owner_named(owner):
    Profile.objects.filter(user=owner).update(display_name=OWNER_NAME)
    return owner


@pytest.fixture
def proof(owner_named) -> Submission:
    return submit_photo(owner_named, make_habit(owner_named, "Morning run"))


@pytest.fixture
def reviewer(make_user):
    return make_reviewer(make_user("reviewer@example.com"))


@pytest.fixture
def reviewer_client(client, reviewer):
    client.force_login(reviewer)
    return client


def decide_url(review: Review) -> str:
    return reverse("verification:review-decide", args=[review.pk])


def claim(client) -> Review:
    assert client.post("/verify/review/next/").status_code == 302
    return Review.objects.get(decision="", reviewer__email="reviewer@example.com")


# --- opting in -----------------------------------------------------------------------------------

def test_it_needs_a_login(client):
    assert client.get(PAGE).status_code == 302


def test_it_says_why_a_new_account_cannot_review(client, make_user):
    user = make_user("new@example.com")
    Profile.objects.filter(user=user).update(level=9)
    client.force_login(user)
    page = client.get(PAGE).content.decode()
    assert "once your account is 7 days old" in page
    assert "Start reviewing" not in page
    client.post("/verify/review/opt-in/")
    assert not Reviewer.objects.filter(user=user).exists()


def test_it_says_why_a_low_level_cannot_review(client, make_user):
    user = make_reviewer(make_user("low@example.com"), opt_in=False, level=4)
    client.force_login(user)
    assert "Reviewing opens at level 5; you are level 4." in client.get(PAGE).content.decode()
    response = client.post("/verify/review/opt-in/", follow=True)
    assert "Reviewing opens at level 5" in response.content.decode()
    assert not Reviewer.objects.filter(user=user).exists()


def test_it_opts_in_and_out(client, make_user):
    user = make_reviewer(make_user("fresh@example.com"), opt_in=False)
    client.force_login(user)
    assert "Start reviewing" in client.get(PAGE).content.decode()
    assert client.post("/verify/review/opt-in/").status_code == 302
    assert Reviewer.objects.get(user=user).active
    assert "Review a proof" in client.get(PAGE).content.decode()
    client.post("/verify/review/opt-out/")
    assert not Reviewer.objects.get(user=user).active
    assert "Start reviewing" in client.get(PAGE).content.decode()


def test_the_switches_are_post_only(reviewer_client):
    for url in ("/verify/review/opt-in/", "/verify/review/opt-out/", "/verify/review/next/"):
        assert reviewer_client.get(url).status_code == 405


# --- the claimed proof ---------------------------------------------------------------------------

def test_opening_the_page_claims_nothing(reviewer_client, proof):
    page = reviewer_client.get(PAGE).content.decode()
    assert "Review a proof" in page
    assert not Review.objects.exists()
    proof.refresh_from_db()
    assert proof.claimed_by_id is None


def test_it_shows_only_the_media_the_habit_and_the_claim(reviewer_client, proof, owner_named):
    review = claim(reviewer_client)
    assert review.submission_id == proof.pk
    page = reviewer_client.get(PAGE).content.decode()
    assert f'src="/verify/media/{proof.pk}/"' in page and "<img" in page
    assert "Morning run" in page and proof.claim in page
    assert "15 min left" in page
    for identity in (owner_named.email, "owner@", OWNER_NAME, "Quartzfield", proof.on.isoformat(),
                     proof.on.strftime("%-d %B"), f"/{owner_named.pk}/"):
        assert identity not in page, identity


def test_own_proofs_are_never_offered(client, owner_named, proof):
    make_reviewer(owner_named)
    client.force_login(owner_named)
    response = client.post("/verify/review/next/", follow=True)
    assert "Nothing to review right now." in response.content.decode()
    assert not Review.objects.exists()


def test_the_lease_counts_down(reviewer_client, proof):
    claim(reviewer_client)
    with time_machine.travel(NOW + dt.timedelta(minutes=9, seconds=30), tick=False):
        assert "6 min left" in reviewer_client.get(PAGE).content.decode()


# --- deciding ------------------------------------------------------------------------------------

def test_it_approves_and_claims_the_next(reviewer_client, proof, owner_named):
    second = submit_photo(owner_named, make_habit(owner_named, "Swim"))
    review = claim(reviewer_client)
    response = reviewer_client.post(decide_url(review), {"decision": "approve"})
    assert response.status_code == 302 and response.url == PAGE
    review.refresh_from_db()
    proof.refresh_from_db()
    assert (review.decision, proof.approvals, proof.state) == ("approve", 1, "pending")
    assert Review.objects.get(decision="").submission_id == second.pk
    assert "Swim" in reviewer_client.get(PAGE).content.decode()


def test_after_the_last_one_there_is_nothing_to_review(reviewer_client, proof):
    review = claim(reviewer_client)
    response = reviewer_client.post(decide_url(review), {"decision": "approve"}, follow=True)
    page = response.content.decode()
    assert "Nothing to review right now." in page and "Review a proof" in page


def test_a_rejection_needs_a_reason(reviewer_client, proof):
    review = claim(reviewer_client)
    response = reviewer_client.post(decide_url(review), {"decision": "reject"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Say why you reject it." in page
    assert 'value="reject" checked' in page
    review.refresh_from_db()
    assert review.decision == ""
    response = reviewer_client.post(decide_url(review), {"decision": "reject", "reason": "unclear"})
    assert response.status_code == 302
    review.refresh_from_db()
    proof.refresh_from_db()
    assert (review.decision, review.reason, proof.rejections) == ("reject", "unclear", 1)


def test_a_refusal_keeps_the_chosen_reason(reviewer_client, proof):
    review = claim(reviewer_client)
    response = reviewer_client.post(decide_url(review), {"reason": "staged"})
    assert response.status_code == 400
    page = response.content.decode()
    assert "Choose approve, reject or flag." in page
    assert '<option value="staged" selected>' in page


def test_a_flag_sends_it_to_staff(reviewer_client, proof):
    review = claim(reviewer_client)
    reviewer_client.post(decide_url(review), {"decision": "flag"})
    proof.refresh_from_db()
    assert (proof.state, proof.flags) == ("escalated", 1)


def test_deciding_twice_is_refused(reviewer_client, proof):
    review = claim(reviewer_client)
    reviewer_client.post(decide_url(review), {"decision": "approve"})
    response = reviewer_client.post(decide_url(review), {"decision": "flag"})
    assert response.status_code == 400
    assert "You already decided on this proof." in response.content.decode()
    proof.refresh_from_db()
    assert (proof.approvals, proof.flags) == (1, 0)


def test_pass_gives_it_back(reviewer_client, proof):
    review = claim(reviewer_client)
    response = reviewer_client.post(reverse("verification:review-pass", args=[review.pk]))
    assert response.status_code == 302
    assert Review.objects.get(pk=review.pk).passed
    proof.refresh_from_db()
    assert (proof.claimed_by_id, proof.lease_until) == (None, None)
    assert services.claim_next(review.reviewer) is None  # not offered to them again


def test_a_strangers_review_is_a_404(stranger, reviewer_client, proof):
    review = claim(reviewer_client)
    client = Client()
    client.force_login(stranger)
    assert client.post(decide_url(review), {"decision": "approve"}).status_code == 404
    assert client.post(reverse("verification:review-pass", args=[review.pk])).status_code == 404
    assert client.post("/verify/review/999999/decide/", {"decision": "approve"}).status_code == 404
    review.refresh_from_db()
    assert review.decision == ""


def test_deciding_is_post_only(reviewer_client, proof):
    review = claim(reviewer_client)
    assert reviewer_client.get(decide_url(review)).status_code == 405
    assert reviewer_client.get(reverse("verification:review-pass", args=[review.pk])).status_code == 405


def test_a_lapsed_lease_frees_the_proof_for_another(reviewer_client, proof, make_user):
    first = claim(reviewer_client)
    other = make_reviewer(make_user("other@example.com"))
    client = Client()
    client.force_login(other)
    client.post("/verify/review/next/")
    assert not Review.objects.filter(reviewer=other).exists()  # still held
    with time_machine.travel(NOW + dt.timedelta(minutes=16), tick=False):
        client.post("/verify/review/next/")
        assert Review.objects.get(reviewer=other).submission_id == proof.pk
        assert "Review a proof" in reviewer_client.get(PAGE).content.decode()  # the first lost it
        response = reviewer_client.post(decide_url(first), {"decision": "reject", "reason": "unclear"})
    assert response.status_code == 400
    assert "ran out" in response.content.decode()
    proof.refresh_from_db()
    assert (proof.rejections, proof.claimed_by_id) == (0, other.pk)


# --- the media -----------------------------------------------------------------------------------

def test_only_the_claimer_the_owner_and_staff_see_the_media(client, reviewer, proof, owner_named, stranger,
                                                             make_user):
    url = reverse("verification:media", args=[proof.pk])
    client.force_login(reviewer)
    claim(client)
    idle = make_reviewer(make_user("idle@example.com"))
    staff = make_user("staff@example.com", is_staff=True)
    for user, status in ((stranger, 404), (idle, 404), (reviewer, 200), (owner_named, 200), (staff, 200)):
        client.force_login(user)
        response = client.get(url)
        assert response.status_code == status, user.email
        if status == 200:
            assert response["Cache-Control"] == "private, no-store"
            assert response["Content-Type"] == "image/jpeg"


def test_the_profile_page_links_to_the_review_page(owner_client):
    assert 'href="/verify/review/"' in owner_client.get("/profile/").content.decode()
