"""Decisions at the same moment on PostgreSQL (real threads, transactions and row locks):
the second approval, however the two race, approves once and pays the bonus once; two
reviewers reviewing each other's proofs at once do not deadlock."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Sum

from gamification import rules
from gamification.models import XPEvent
from habits.models import Habit
from habits.services import save_habit
from habitstory.accounts.models import Profile
from habitstory.story import verification as story
from tests.concurrency import run_together
from tests.verification.test_flow import photo
from verification import services
from verification.models import Submission

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock concurrency needs PostgreSQL"),
]


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def reviewer(make_user, email):
    user = make_user(email)
    user.date_joined -= dt.timedelta(days=30)
    user.save(update_fields=["date_joined"])
    Profile.objects.filter(user=user).update(level=6, xp_total=sum(map(rules.xp_to_next, range(1, 6))))
    services.opt_in(user)
    return user


def proof_of(user, name) -> Submission:
    habit = save_habit(Habit(user=user, name=name, start_date=dt.date.today() - dt.timedelta(days=3)))
    upload, digest = photo()
    return story.submit(user, habit.pk, user.profile.local_today(), "photo", upload, digest)


def bonus_rows(user):
    return XPEvent.objects.filter(user=user, reason=XPEvent.Reason.VERIFICATION)


def test_the_approving_decision_sent_five_times_at_once_approves_once_and_pays_once(owner, make_user):
    submission = proof_of(owner, "Run")
    first, second = reviewer(make_user, "r1@example.com"), reviewer(make_user, "r2@example.com")
    story.review(first, services.claim_next(first).pk, "approve")
    claim = services.claim_next(second)
    errors = run_together([lambda: story.review(second, claim.pk, "approve")] * 5)
    assert len(errors) == 4 and all(getattr(e, "code", "") == "already_decided" for e in errors)
    submission.refresh_from_db()
    assert submission.state == "approved" and submission.approvals == 2
    tick = XPEvent.objects.get(user=owner, reason=XPEvent.Reason.HABIT_DONE).amount
    assert [row.amount for row in bonus_rows(owner)] == [rules.verification_bonus(tick)]
    assert XPEvent.objects.filter(user=second, reason=XPEvent.Reason.REVIEW).count() == 1


def test_the_second_approval_racing_a_staff_approval_pays_once(owner, make_user):
    submission = proof_of(owner, "Run")
    first, second = reviewer(make_user, "r1@example.com"), reviewer(make_user, "r2@example.com")
    staff = make_user("staff@example.com", is_staff=True)
    story.review(first, services.claim_next(first).pk, "approve")
    claim = services.claim_next(second)
    errors = run_together([lambda: story.review(second, claim.pk, "approve"),
                           lambda: story.staff_decide(submission.pk, staff, "approve")])
    assert len(errors) == 1 and errors[0].code == "not_pending"
    submission.refresh_from_db()
    assert submission.state == "approved"
    assert bonus_rows(owner).count() == 1
    assert (XPEvent.objects.filter(user=owner).aggregate(s=Sum("amount"))["s"]
            == Profile.objects.get(user=owner).xp_total)


def test_reviewers_reviewing_each_other_at_once_do_not_deadlock(make_user):
    one, two = reviewer(make_user, "one@example.com"), reviewer(make_user, "two@example.com")
    proof_of(one, "Run")
    proof_of(two, "Swim")
    first, second = services.claim_next(one), services.claim_next(two)
    assert first.submission.user_id == two.pk and second.submission.user_id == one.pk
    errors = run_together([lambda: story.review(one, first.pk, "approve"),
                           lambda: story.review(two, second.pk, "approve")])
    assert errors == []
    assert XPEvent.objects.filter(reason="review").count() == 2
