"""/api/v1/verifications: uploading a proof (the day done, its proof pending), the refusals
(nothing stored after any of them), reading it, and its media (owner only here; a
stranger gets a 404)."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from habits.models import Occurrence
from tests.verification.factories import jpeg, make_habit, sha256, submit_photo
from verification import media
from verification.models import Submission

from .conftest import ApiClient

pytestmark = pytest.mark.django_db
URL = "/api/v1/verifications"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def proof_habit(owner):
    return make_habit(owner, "Morning run")


def upload(api: ApiClient, habit, data: bytes, *, kind: str = "photo", digest: str | None = None,
           name: str = "p.jpg", content_type: str = "image/jpeg", **fields):
    body = {"habit": str(habit.pk), "on": habit.user.profile.local_today().isoformat(), "kind": kind,
            "sha256": digest or sha256(data), **fields}
    body["file"] = SimpleUploadedFile(name, data, content_type)
    return api.client.post(URL, body, HTTP_AUTHORIZATION=f"Bearer {api.token}")


def stored_files(root) -> list:
    folder = root / "verification"
    return list(folder.iterdir()) if folder.exists() else []


def test_a_good_upload_makes_the_day_done_with_its_proof_pending(api, proof_habit, owner, _media):
    response = upload(api, proof_habit, jpeg(), faces="2")
    assert response.status_code == 201, response.content
    data = response.json()["data"]
    submission = Submission.objects.get()
    assert (data["id"], data["state"], data["kind"], data["decision"]) == (submission.pk, "pending", "photo", None)
    assert data["media"] == f"{URL}/{submission.pk}/media"
    day = Occurrence.objects.get(habit=proof_habit, on=owner.profile.local_today())
    assert (day.status, day.verification) == ("done", "pending")
    assert len(stored_files(_media)) == 1


def test_no_face_blurred_is_a_good_upload(api, proof_habit):
    response = upload(api, proof_habit, jpeg(), faces="0")
    assert response.status_code == 201, response.content
    assert Submission.objects.get().faces_blurred == 0


def test_a_hash_mismatch_stores_nothing(api, proof_habit, _media):
    response = upload(api, proof_habit, jpeg(), digest="0" * 64)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "hash_mismatch" and "sha256" in error["details"]
    assert not Submission.objects.exists() and stored_files(_media) == []
    assert not Occurrence.objects.filter(habit=proof_habit, status="done").exists()


def test_an_oversized_photo_is_a_413(api, proof_habit, _media):
    data = jpeg() + b"\0" * media.MAX_BYTES["photo"]
    response = upload(api, proof_habit, data)
    assert response.status_code == 413
    assert response.json()["error"]["code"] == "payload_too_large"
    assert not Submission.objects.exists() and stored_files(_media) == []


@pytest.mark.parametrize("kind, data, name, content_type", [
    ("photo", b"just some text, not a picture", "p.jpg", "image/jpeg"),
    ("video", None, "v.webm", "video/webm"),  # a JPEG sent as a video
])
def test_an_unsupported_type_is_refused(api, proof_habit, _media, kind, data, name, content_type):
    response = upload(api, proof_habit, data or jpeg(), kind=kind, name=name, content_type=content_type)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "unsupported_file"
    assert not Submission.objects.exists() and stored_files(_media) == []


def test_an_unknown_kind_is_refused(api, proof_habit):
    response = upload(api, proof_habit, jpeg(), kind="poem")
    assert response.status_code == 400
    assert not Submission.objects.exists()


def test_a_strangers_habit_is_a_404(stranger_api, proof_habit, _media):
    assert upload(stranger_api, proof_habit, jpeg()).status_code == 404
    assert not Submission.objects.exists() and stored_files(_media) == []


def test_a_second_proof_of_the_day_is_refused(api, proof_habit):
    assert upload(api, proof_habit, jpeg()).status_code == 201
    response = upload(api, proof_habit, jpeg((80, 60)))
    assert (response.status_code, response.json()["error"]["code"]) == (400, "already_submitted")
    assert Submission.objects.count() == 1


def test_the_owner_reads_a_proof_and_a_stranger_gets_a_404(api, stranger_api, owner, proof_habit):
    proof = submit_photo(owner, proof_habit)
    response = api.get(f"{URL}/{proof.pk}")
    assert response.status_code == 200
    assert response.json()["data"]["state"] == "pending"
    assert stranger_api.get(f"{URL}/{proof.pk}").status_code == 404
    assert api.get(f"{URL}/{2**63}").status_code == 404


def test_the_media_is_the_owners_only(api, stranger_api, anon, owner, proof_habit):
    proof = submit_photo(owner, proof_habit)
    response = api.get(f"{URL}/{proof.pk}/media")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert response["Cache-Control"] == "private, no-store"
    assert response.content[:2] == b"\xff\xd8"
    assert stranger_api.get(f"{URL}/{proof.pk}/media").status_code == 404
    assert anon.get(f"{URL}/{proof.pk}/media").status_code == 401
