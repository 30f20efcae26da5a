"""What the Free plan counts of a user's proofs (billing.limits; registered in
VerificationConfig.ready): the uploads since the start of their month, in their time zone."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from habitstory.accounts.models import Profile

from .models import Submission


def month_start(profile: Profile, now: dt.datetime | None = None) -> dt.datetime:
    """Midnight on the first of the user's current month, in their time zone."""
    local = profile.local_now(now)
    return dt.datetime.combine(local.date().replace(day=1), dt.time(), tzinfo=profile.zone)


def uploads_this_month(user) -> int:
    return Submission.objects.filter(user_id=user.pk, created_at__gte=month_start(user.profile, timezone.now())).count()
