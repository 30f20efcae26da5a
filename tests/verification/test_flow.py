"""The proof's whole way through the commit step: submitted (the day done, pending, the
tick's XP at once), approved by two reviewers (+50 % of the tick's XP, once), rejected by
staff (the day not done, stats recomputed, XP taken back), withdrawn by an undo (media
deleted), and the media's retention."""

from __future__ import annotations

import datetime as dt
import hashlib
import io

import pytest
import time_machine
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Sum
from PIL import Image

from gamification import rules
from gamification.models import XPEvent
from habits.models import Habit, Occurrence
from habits.services import save_habit
from habitstory.accounts.models import Profile
from habitstory.notifications.models import Notification
from habitstory.story import verification as story
from habitstory.story.commit import commit
from verification import services
from verification.models import Review, Reviewer, StaffDecision, Submission

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 12, 4, 12, tzinfo=dt.UTC)
TODAY = NOW.date()


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with time_machine.travel(NOW, tick=False):
        yield


def photo() -> tuple[SimpleUploadedFile, str]:
    """A small JPEG without a face, and its SHA-256."""
    image = Image.linear_gradient("L").convert("RGB").resize((96, 64))
    out = io.BytesIO()
    image.save(out, "JPEG")
    data = out.getvalue()
    return SimpleUploadedFile("proof.jpg", data, "image/jpeg"), hashlib.sha256(data).hexdigest()


@pytest.fixture
def habit(owner):
    return save_habit(Habit(user=owner, name="Run", difficulty="hard", start_date=TODAY - dt.timedelta(days=20)))


@pytest.fixture
def reviewers(make_user):
    users = []
    for n in range(4):
        user = make_user(f"reviewer{n}@example.com")
        user.date_joined = NOW - dt.timedelta(days=30)
        user.save(update_fields=["date_joined"])
        Profile.objects.filter(user=user).update(level=6, xp_total=sum(map(rules.xp_to_next, range(1, 6))))
        services.opt_in(user, NOW)
        users.append(user)
    return users


def submit(owner, habit, on=TODAY) -> Submission:
    upload, digest = photo()
    return story.submit(owner, habit.pk, on, "photo", upload, digest, faces=0)


def xp(user, reason=None) -> int:
    rows = XPEvent.objects.filter(user=user)
    if reason:
        rows = rows.filter(reason=reason)
    return rows.aggregate(total=Sum("amount"))["total"] or 0


def decide(reviewer, decision, reason=""):
    review = services.claim_next(reviewer, NOW)
    assert review is not None
    return story.review(reviewer, review.pk, decision, reason, now=NOW)


def occurrence(habit, on=TODAY) -> Occurrence:
    return Occurrence.objects.get(habit=habit, on=on)


def test_submitting_makes_the_day_done_with_its_proof_pending_and_the_tick_xp_at_once(owner, habit):
    submission = submit(owner, habit)
    day = occurrence(habit)
    assert (day.status, day.verification) == ("done", "pending")
    assert submission.state == "pending" and submission.cycle == day.xp_cycle == 1
    assert xp(owner, XPEvent.Reason.HABIT_DONE) == rules.tick_xp("hard", 1) == 20
    habit.refresh_from_db()
    assert habit.current_streak == 1
    assert default_storage.exists(submission.media)
    assert submission.claim == "Run"


def test_a_second_proof_of_the_same_tick_is_refused_and_its_file_not_kept(owner, habit, settings):
    submit(owner, habit)
    with pytest.raises(services.VerificationError) as refused:
        submit(owner, habit)
    assert refused.value.code == "already_submitted"
    assert len(list((settings.MEDIA_ROOT / "verification").iterdir())) == 1


def test_two_approvals_add_half_the_tick_xp_once_and_tell_the_owner(owner, habit, reviewers):
    submission = submit(owner, habit)
    first = decide(reviewers[0], "approve")
    assert first.final is None and xp(owner, XPEvent.Reason.VERIFICATION) == 0
    second = decide(reviewers[1], "approve")
    assert second.final == "approved"
    assert xp(owner, XPEvent.Reason.VERIFICATION) == 10  # half of 20
    assert occurrence(habit).verification == "approved"
    submission.refresh_from_db()
    assert submission.state == "approved" and submission.decided_at == NOW
    assert Notification.objects.filter(user=owner, title__startswith="Proof approved").exists()
    assert services.claim_next(reviewers[2], NOW) is None  # nothing left to review
    assert [r.trust for r in Reviewer.objects.filter(user__in=reviewers[:2])] == [2 / 3, 2 / 3]


def test_reviewers_earn_a_little_xp_capped_per_day(owner, habit, reviewers, make_user):
    result = decide(reviewers[0], "approve") if submit(owner, habit) else None
    assert result.xp == rules.REVIEW_XP
    XPEvent.objects.create(user=reviewers[0], amount=rules.REVIEW_XP_DAILY_CAP - rules.REVIEW_XP - 1,
                           reason=XPEvent.Reason.REVIEW,
                           source="review:earlier", on=TODAY)
    other = save_habit(Habit(user=owner, name="Read", start_date=TODAY - dt.timedelta(days=3)))
    submit(owner, other)
    assert decide(reviewers[0], "approve").xp == 1  # up to the cap, no more
    assert xp(reviewers[0], XPEvent.Reason.REVIEW) == rules.REVIEW_XP_DAILY_CAP


def test_two_rejections_or_a_flag_go_to_staff_and_the_day_stays_done_until_staff_decide(owner, habit, reviewers):
    submission = submit(owner, habit)
    decide(reviewers[0], "reject", "not_shown")
    assert decide(reviewers[1], "reject", "unclear").final == "escalated"
    submission.refresh_from_db()
    assert submission.state == "escalated"
    assert occurrence(habit).status == "done"
    flagged = submit(owner, save_habit(Habit(user=owner, name="Read", start_date=TODAY)))
    assert decide(reviewers[2], "flag").final == "escalated"
    flagged.refresh_from_db()
    assert flagged.state == "escalated"


def test_a_rejection_needs_a_reason(owner, habit, reviewers):
    submit(owner, habit)
    review = services.claim_next(reviewers[0], NOW)
    with pytest.raises(services.VerificationError) as refused:
        story.review(reviewers[0], review.pk, "reject", "", now=NOW)
    assert "reason" in refused.value.message_dict
    assert Review.objects.get(pk=review.pk).decision == ""


def test_a_staff_confirmed_rejection_turns_the_day_not_done_and_compensates_xp(owner, habit, reviewers, make_user):
    yesterday = TODAY - dt.timedelta(days=1)
    commit(habit, yesterday, "done")
    submission = submit(owner, habit)
    habit.refresh_from_db()
    assert habit.current_streak == 2
    before = xp(owner, XPEvent.Reason.HABIT_DONE) + xp(owner, XPEvent.Reason.HABIT_UNDONE)
    tick = XPEvent.objects.get(source=f"occurrence:{submission.occurrence_id}:1", reason="habit_done").amount
    decide(reviewers[0], "reject", "mismatch")
    decide(reviewers[1], "reject", "mismatch")
    staff = make_user("staff@example.com", is_staff=True)
    story.staff_decide(submission.pk, staff, "reject", "mismatch", "Shows a bicycle", now=NOW)
    day = occurrence(habit)
    assert (day.status, day.verification) == ("scheduled", "rejected")
    habit.refresh_from_db()
    assert habit.current_streak == 1  # today open again: yesterday's streak stands
    assert xp(owner, XPEvent.Reason.HABIT_DONE) + xp(owner, XPEvent.Reason.HABIT_UNDONE) == before - tick
    assert StaffDecision.objects.get(submission=submission).note == "Shows a bicycle"
    assert Notification.objects.filter(user=owner, title__startswith="Proof not accepted").exists()
    assert [r.agreed for r in Review.objects.filter(submission=submission)] == [True, True]


def test_staff_rejecting_after_approval_takes_the_bonus_back_too(owner, habit, reviewers, make_user):
    submission = submit(owner, habit)
    decide(reviewers[0], "approve")
    decide(reviewers[1], "approve")
    assert xp(owner, XPEvent.Reason.VERIFICATION) == 10
    story.staff_decide(submission.pk, make_user("staff@example.com", is_staff=True), "reject", "staged")
    assert xp(owner, XPEvent.Reason.VERIFICATION) + xp(owner, XPEvent.Reason.VERIFICATION_REVOKED) == 0
    assert xp(owner, XPEvent.Reason.HABIT_DONE) + xp(owner, XPEvent.Reason.HABIT_UNDONE) == 0
    assert Reviewer.objects.get(user=reviewers[0]).agreed == 0


def test_staff_approval_of_an_escalated_proof_pays_the_bonus(owner, habit, reviewers, make_user):
    submission = submit(owner, habit)
    decide(reviewers[0], "flag")
    story.staff_decide(submission.pk, make_user("staff@example.com", is_staff=True), "approve")
    assert xp(owner, XPEvent.Reason.VERIFICATION) == 10
    assert occurrence(habit).verification == "approved"
    assert Reviewer.objects.get(user=reviewers[0]).agreed == 0


def test_a_backfilled_day_earns_no_tick_xp_so_no_bonus(owner, habit, reviewers):
    submit(owner, habit, TODAY - dt.timedelta(days=5))
    decide(reviewers[0], "approve")
    assert decide(reviewers[1], "approve").final == "approved"
    assert xp(owner, XPEvent.Reason.HABIT_DONE) == xp(owner, XPEvent.Reason.VERIFICATION) == 0


def test_undoing_the_tick_withdraws_the_proof_and_deletes_its_media(owner, habit, reviewers, django_capture_on_commit_callbacks):
    submission = submit(owner, habit)
    with django_capture_on_commit_callbacks(execute=True):
        commit(habit, TODAY, "undo")
    submission.refresh_from_db()
    assert submission.state == "withdrawn" and submission.media == ""
    assert not list(default_storage.listdir("verification")[1])
    assert occurrence(habit).verification == ""
    assert services.claim_next(reviewers[0], NOW) is None
    submit(owner, habit)  # a new tick can be proven again
    assert Submission.objects.filter(occurrence__habit=habit, state="pending").get().cycle == 2


def test_undoing_an_approved_tick_takes_the_bonus_back(owner, habit, reviewers):
    submit(owner, habit)
    decide(reviewers[0], "approve")
    decide(reviewers[1], "approve")
    commit(habit, TODAY, "undo")
    assert xp(owner, XPEvent.Reason.VERIFICATION) + xp(owner, XPEvent.Reason.VERIFICATION_REVOKED) == 0
    assert xp(owner, XPEvent.Reason.HABIT_DONE) + xp(owner, XPEvent.Reason.HABIT_UNDONE) == 0


def test_a_day_done_without_proof_stays_unverified_and_can_be_proven_later(owner, habit):
    commit(habit, TODAY, "done")
    assert occurrence(habit).verification == ""
    submission = submit(owner, habit)
    assert submission.cycle == 1 and xp(owner, XPEvent.Reason.HABIT_DONE) == 20  # the same tick: no second award


def test_retention_deletes_media_30_days_after_the_decision(owner, habit, reviewers):
    submission = submit(owner, habit)
    decide(reviewers[0], "approve")
    decide(reviewers[1], "approve")
    name = Submission.objects.get(pk=submission.pk).media
    assert services.purge_media(NOW + dt.timedelta(days=29)) == 0
    assert services.purge_media(NOW + dt.timedelta(days=30, seconds=1)) == 1
    assert not default_storage.exists(name)
    submission.refresh_from_db()
    assert submission.media == "" and submission.media_deleted_at is not None
    assert services.purge_media(NOW + dt.timedelta(days=31)) == 0


def test_deleting_the_account_deletes_the_media(owner, habit, django_capture_on_commit_callbacks):
    name = submit(owner, habit).media
    with django_capture_on_commit_callbacks(execute=True):
        owner.delete()
    assert not default_storage.exists(name)


def test_a_reviewer_far_below_the_others_stops_getting_work(owner, reviewers):
    for reviewer in reviewers[1:]:
        Reviewer.objects.filter(user=reviewer).update(decided=10, agreed=9, trust=10 / 12)
    Reviewer.objects.filter(user=reviewers[0]).update(decided=10, agreed=2, trust=3 / 12)
    submit(owner, save_habit(Habit(user=owner, name="Read", start_date=TODAY)))
    assert services.claim_next(reviewers[0], NOW) is None
    assert "paused" in services.why_no_work(reviewers[0], NOW)
    assert services.claim_next(reviewers[1], NOW) is not None


def test_reviewers_must_be_a_week_old_and_level_five_and_never_see_their_own(owner, habit, make_user, reviewers):
    young = make_user("young@example.com")
    Profile.objects.filter(user=young).update(level=9)
    assert "7 days" in services.eligibility(young, NOW)
    old = reviewers[0]
    Profile.objects.filter(user=old).update(level=4)
    assert "level 5" in services.eligibility(old, NOW)
    with pytest.raises(services.VerificationError):
        services.opt_in(young, NOW)
    mine = save_habit(Habit(user=reviewers[1], name="Swim", start_date=TODAY))
    submit(reviewers[1], mine)
    assert services.claim_next(reviewers[1], NOW) is None
