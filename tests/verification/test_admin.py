"""Verification in admin: the staff's queue (waiting for staff by default), the proof's
page with its media, reviews and decision log, staff approving and rejecting through the
story layer (logged), and nobody else getting in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from habits.models import Occurrence
from habitstory.story import verification as story
from verification import services
from verification.models import Review, Reviewer, StaffDecision, Submission

from .factories import make_habit, make_reviewer, submit_photo

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
LIST = "/admin/verification/submission/"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path, time_machine):
    settings.MEDIA_ROOT = tmp_path
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def staff(make_user):
    return make_user("staff@example.com", is_staff=True, is_superuser=True)


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture
def proof(owner) -> Submission:
    return submit_photo(owner, make_habit(owner, "Morning run"))


@pytest.fixture
def flagged(proof, make_user) -> Submission:
    """The proof, flagged by a reviewer: waiting for staff."""
    reviewer = make_reviewer(make_user("reviewer@example.com"))
    review = services.claim_next(reviewer)
    assert review.submission_id == proof.pk
    story.review(reviewer, review.pk, "flag")
    proof.refresh_from_db()
    assert proof.state == "escalated"
    return proof


def change_url(submission: Submission) -> str:
    return reverse("admin:verification_submission_change", args=[submission.pk])


def decide_url(submission: Submission) -> str:
    return reverse("admin:verification_submission_decide", args=[submission.pk])


def test_the_list_shows_the_proofs_waiting_for_staff_by_default(staff_client, flagged, owner):
    other = submit_photo(owner, make_habit(owner, "Swim"))
    page = staff_client.get(LIST).content.decode()
    assert f"{change_url(flagged)}" in page and change_url(other) not in page
    page = staff_client.get(LIST + "?queue=all").content.decode()
    assert change_url(flagged) in page and change_url(other) in page
    page = staff_client.get(LIST + "?queue=pending").content.decode()
    assert change_url(flagged) not in page and change_url(other) in page


def test_the_change_page_has_the_media_the_reviews_and_the_decision_form(staff_client, flagged, owner):
    page = staff_client.get(change_url(flagged)).content.decode()
    assert f'<img src="/verify/media/{flagged.pk}/"' in page
    assert 'id="staff-decision"' in page and decide_url(flagged) in page
    assert "Flag as inappropriate" in page  # the review inline
    assert owner.email not in page and "reviewer@example.com" not in page
    assert staff_client.get(f"/verify/media/{flagged.pk}/").status_code == 200


def test_staff_approve_from_the_change_page(staff_client, staff, flagged):
    response = staff_client.post(decide_url(flagged), {"decision": "approve", "note": "Fine, a shoe."}, follow=True)
    assert response.redirect_chain[-1][0] == change_url(flagged)
    assert "is approved" in response.content.decode()
    flagged.refresh_from_db()
    assert flagged.state == "approved"
    logged = StaffDecision.objects.get(submission=flagged)
    assert (logged.staff_id, logged.decision, logged.note) == (staff.pk, "approve", "Fine, a shoe.")
    assert Occurrence.objects.get(pk=flagged.occurrence_id).verification == "approved"
    assert "Fine, a shoe." in staff_client.get(change_url(flagged)).content.decode()  # the log inline


def test_staff_reject_needs_a_reason_and_takes_the_day_back(staff_client, flagged):
    response = staff_client.post(decide_url(flagged), {"decision": "reject"}, follow=True)
    assert "Nothing decided" in response.content.decode()
    assert not StaffDecision.objects.exists()
    staff_client.post(decide_url(flagged), {"decision": "reject", "reason": "staged"})
    flagged.refresh_from_db()
    assert (flagged.state, flagged.decision_reason) == ("rejected", "staged")
    occurrence = Occurrence.objects.get(pk=flagged.occurrence_id)
    assert (occurrence.status, occurrence.verification) == ("scheduled", "rejected")
    assert StaffDecision.objects.get(submission=flagged).decision == "reject"


def test_a_decision_on_a_rejected_proof_is_refused_with_a_message(staff_client, flagged):
    staff_client.post(decide_url(flagged), {"decision": "reject", "reason": "staged"})
    assert 'id="staff-decision"' not in staff_client.get(change_url(flagged)).content.decode()
    response = staff_client.post(decide_url(flagged), {"decision": "approve"}, follow=True)
    assert "cannot be approved now" in response.content.decode()
    assert StaffDecision.objects.count() == 1


def test_the_actions_approve_and_reject(staff_client, owner, flagged):
    other = submit_photo(owner, make_habit(owner, "Swim"))
    staff_client.post(LIST + "?queue=all", {"action": "approve", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert other.state == "approved"
    response = staff_client.post(LIST, {"action": "reject", "_selected_action": [flagged.pk]}, follow=True)
    assert "Choose a reason to reject." in response.content.decode()
    staff_client.post(LIST, {"action": "reject", "_selected_action": [flagged.pk], "reason": "mismatch",
                             "note": "A bike, not a run."})
    flagged.refresh_from_db()
    assert flagged.state == "rejected"
    assert list(StaffDecision.objects.order_by("at", "id").values_list("decision", "reason")) == [
        ("approve", ""), ("reject", "mismatch")]


def test_nothing_is_added_or_deleted_by_hand(staff_client, flagged):
    assert staff_client.get(LIST + "add/").status_code == 403
    assert staff_client.get(change_url(flagged).replace("change/", "delete/")).status_code == 403
    staff_client.post(decide_url(flagged), {"decision": "approve"})
    decision = StaffDecision.objects.get()
    assert staff_client.get(f"/admin/verification/staffdecision/{decision.pk}/delete/").status_code == 403
    assert staff_client.get("/admin/verification/staffdecision/add/").status_code == 403
    assert staff_client.get("/admin/verification/review/add/").status_code == 403


def test_the_decide_url_is_post_only(staff_client, flagged):
    assert staff_client.get(decide_url(flagged)).status_code == 405


def test_staff_can_pause_a_reviewer(staff_client, make_user):
    reviewer = make_reviewer(make_user("r@example.com"))
    page = staff_client.get("/admin/verification/reviewer/").content.decode()
    assert "r@example.com" not in page
    staff_client.post(f"/admin/verification/reviewer/{reviewer.pk}/change/", {"active": ""})
    assert not Reviewer.objects.get(user=reviewer).active


def test_a_user_who_is_not_staff_cannot_get_in(client, owner, flagged):
    client.force_login(owner)
    for url in (LIST, change_url(flagged)):
        response = client.get(url)
        assert response.status_code == 302 and "/admin/login/" in response.url
    client.post(decide_url(flagged), {"decision": "approve"})
    flagged.refresh_from_db()
    assert flagged.state == "escalated" and not StaffDecision.objects.exists()
