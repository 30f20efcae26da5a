"""/api/v1/reviews: opting in and out, claiming the next proof (or 204), deciding on it,
the refusals, and ten reviewers claiming at once (PostgreSQL)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from habitstory.api import auth
from habitstory.api import services as token_services
from tests.concurrency import run_together
from tests.verification.factories import make_habit, make_reviewer, submit_photo
from verification.models import Review, Reviewer, Submission

from .conftest import ApiClient


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def client_of(user) -> ApiClient:
    return ApiClient(token_services.issue_token(user, "tests")[1])


@pytest.fixture
def reviewer(make_user):
    return make_reviewer(make_user("reviewer@example.com"))


@pytest.fixture
def reviewer_api(reviewer) -> ApiClient:
    return client_of(reviewer)


@pytest.fixture
def proof(owner) -> Submission:
    return submit_photo(owner, make_habit(owner, "Morning run"))


def claimed(api: ApiClient) -> dict:
    response = api.post("/api/v1/reviews/claim")
    assert response.status_code == 200, response.content
    return response.json()["data"]


@pytest.mark.django_db
class TestOptIn:
    def test_it_opts_in_and_out(self, make_user):
        user = make_reviewer(make_user("r@example.com"), opt_in=False)
        api = client_of(user)
        response = api.post("/api/v1/reviews/opt-in")
        assert response.status_code == 200
        assert response.json()["data"] == {"active": True, "why_no_work": None}
        response = api.post("/api/v1/reviews/opt-out")
        assert response.json()["data"] == {"active": False, "why_no_work": "Opt in to review others' proofs."}
        assert not Reviewer.objects.get(user=user).active

    def test_a_new_account_is_not_eligible(self, api):
        response = api.post("/api/v1/reviews/opt-in")
        assert response.status_code == 403
        error = response.json()["error"]
        assert error["code"] == "not_eligible"
        assert "7 days old" in error["message"]
        assert not Reviewer.objects.exists()

    def test_a_low_level_is_not_eligible(self, make_user):
        api = client_of(make_reviewer(make_user("low@example.com"), opt_in=False, level=4))
        response = api.post("/api/v1/reviews/opt-in")
        assert response.status_code == 403
        assert response.json()["error"]["message"] == "Reviewing opens at level 5; you are level 4."

    def test_it_needs_credentials(self, anon):
        assert anon.post("/api/v1/reviews/opt-in").status_code == 401
        assert anon.post("/api/v1/reviews/claim").status_code == 401


@pytest.mark.django_db
class TestClaim:
    def test_it_claims_the_next_proof_without_its_owner(self, reviewer_api, proof, owner):
        response = reviewer_api.post("/api/v1/reviews/claim")
        assert response.status_code == 200
        data = response.json()["data"]
        review = Review.objects.get()
        assert data["id"] == review.pk
        assert data["submission"] == {
            "id": proof.pk, "kind": "photo", "claim": "Morning run", "habit_name": "Morning run",
            "media": f"/api/v1/verifications/{proof.pk}/media", "content_type": "image/jpeg", "duration": None,
        }
        assert data["lease_until"].startswith(review.lease_until.isoformat()[:16])
        assert owner.email not in response.content.decode()

    def test_claiming_again_gives_the_same_one(self, reviewer_api, proof, owner):
        submit_photo(owner, make_habit(owner, "Swim"))
        assert claimed(reviewer_api)["id"] == claimed(reviewer_api)["id"]

    def test_the_claimer_sees_the_media(self, reviewer_api, stranger_api, proof):
        media = claimed(reviewer_api)["submission"]["media"]
        response = reviewer_api.get(media)
        assert response.status_code == 200 and response["Cache-Control"] == "private, no-store"
        assert stranger_api.get(media).status_code == 404

    def test_nothing_to_review_is_a_204(self, reviewer_api):
        response = reviewer_api.post("/api/v1/reviews/claim")
        assert response.status_code == 204 and response.content == b""

    def test_someone_who_may_not_review_gets_a_204(self, api, stranger):
        submit_photo(stranger, make_habit(stranger))
        assert api.post("/api/v1/reviews/claim").status_code == 204
        assert not Review.objects.exists()

    def test_own_proofs_are_never_offered(self, owner, proof):
        make_reviewer(owner)
        assert client_of(owner).post("/api/v1/reviews/claim").status_code == 204


@pytest.mark.django_db
class TestDecision:
    def url(self, review_id: int) -> str:
        return f"/api/v1/reviews/{review_id}/decision"

    def test_two_approvals_approve(self, reviewer_api, proof, make_user):
        review = claimed(reviewer_api)
        response = reviewer_api.post(self.url(review["id"]), {"decision": "approve"})
        assert response.status_code == 200
        data = response.json()["data"]
        assert {key: data[key] for key in ("id", "decision", "reason", "state", "final")} == {
            "id": review["id"], "decision": "approve", "reason": "", "state": "pending", "final": None}
        assert isinstance(data["xp"], int)
        second = client_of(make_reviewer(make_user("second@example.com")))
        data = second.post(self.url(claimed(second)["id"]), {"decision": "approve"}).json()["data"]
        assert (data["state"], data["final"]) == ("approved", "approved")

    def test_a_rejection_needs_a_reason(self, reviewer_api, proof):
        review = claimed(reviewer_api)
        response = reviewer_api.post(self.url(review["id"]), {"decision": "reject"})
        assert response.status_code == 400
        error = response.json()["error"]
        assert error["code"] == "validation_error" and error["details"] == {"reason": ["Say why you reject it."]}
        response = reviewer_api.post(self.url(review["id"]), {"decision": "reject", "reason": "unclear"})
        assert response.status_code == 200
        assert response.json()["data"]["reason"] == "unclear"
        proof.refresh_from_db()
        assert proof.rejections == 1

    def test_a_flag_goes_to_staff(self, reviewer_api, proof):
        data = reviewer_api.post(self.url(claimed(reviewer_api)["id"]), {"decision": "flag"}).json()["data"]
        assert (data["state"], data["final"]) == ("escalated", "escalated")

    @pytest.mark.parametrize("body, field", [
        ({"decision": "maybe"}, "decision"), ({}, "decision"),
        ({"decision": "reject", "reason": "ugly"}, "reason"), ({"decision": "approve", "extra": 1}, "extra"),
    ])
    def test_a_bad_body_names_the_field(self, reviewer_api, proof, body, field):
        response = reviewer_api.post(self.url(claimed(reviewer_api)["id"]), body)
        assert response.status_code == 400
        assert field in response.json()["error"]["details"]

    def test_deciding_twice_is_already_decided(self, reviewer_api, proof):
        review_id = claimed(reviewer_api)["id"]
        reviewer_api.post(self.url(review_id), {"decision": "approve"})
        response = reviewer_api.post(self.url(review_id), {"decision": "approve"})
        assert (response.status_code, response.json()["error"]["code"]) == (400, "already_decided")

    def test_a_proof_with_staff_is_not_pending(self, reviewer_api, proof, make_user):
        review_id = claimed(reviewer_api)["id"]
        other = client_of(make_reviewer(make_user("other@example.com")))
        Submission.objects.filter(pk=proof.pk).update(claimed_by=None, lease_until=None)
        other.post(self.url(claimed(other)["id"]), {"decision": "flag"})
        response = reviewer_api.post(self.url(review_id), {"decision": "approve"})
        assert (response.status_code, response.json()["error"]["code"]) == (400, "not_pending")

    def test_a_lapsed_claim_taken_by_another_is_claim_expired(self, reviewer_api, proof, make_user, time_machine):
        review_id = claimed(reviewer_api)["id"]
        time_machine.move_to(Review.objects.get(pk=review_id).lease_until + dt.timedelta(minutes=1))
        other = client_of(make_reviewer(make_user("other@example.com")))
        claimed(other)
        response = reviewer_api.post(self.url(review_id), {"decision": "approve"})
        assert (response.status_code, response.json()["error"]["code"]) == (400, "claim_expired")

    def test_another_users_review_is_a_404(self, reviewer_api, stranger_api, proof):
        review_id = claimed(reviewer_api)["id"]
        assert stranger_api.post(self.url(review_id), {"decision": "approve"}).status_code == 404
        assert stranger_api.post(self.url(2**63), {"decision": "approve"}).status_code == 404
        assert Review.objects.get(pk=review_id).decision == ""


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL")
def test_ten_reviewers_claiming_at_once_get_ten_different_proofs(owner, make_user, monkeypatch):
    monkeypatch.setattr(auth.PerUserThrottle, "allow_request", lambda self, request: True)
    for n in range(12):
        submit_photo(owner, make_habit(owner, f"Habit {n}"))
    tokens = [token_services.issue_token(make_reviewer(make_user(f"r{n}@example.com")), "tests")[1]
              for n in range(10)]
    claims: list[int] = []

    def claim_with(token: str):
        return lambda: claims.append(claimed(ApiClient(token))["submission"]["id"])

    assert run_together([claim_with(token) for token in tokens]) == []
    assert len(claims) == 10 and len(set(claims)) == 10
    assert Submission.objects.exclude(claimed_by=None).count() == 10


@pytest.mark.django_db
def test_passing_gives_the_proof_back_and_not_to_you_again(reviewer_api, proof, make_user, stranger):
    review = claimed(reviewer_api)
    assert client_of(stranger).post(f"/api/v1/reviews/{review['id']}/pass").status_code == 404
    response = reviewer_api.post(f"/api/v1/reviews/{review['id']}/pass")
    assert response.status_code == 200 and response.json()["data"] is None
    assert reviewer_api.post("/api/v1/reviews/claim").status_code == 204
    other = client_of(make_reviewer(make_user("other@example.com")))
    assert claimed(other)["submission"]["id"] == proof.pk
