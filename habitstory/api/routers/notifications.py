"""/notifications, for integrations: the inbox (a page at a time), marking read, and the
preferences (which channels each kind uses, the prompt window, quiet hours) — stored and
checked as the profile page does (habitstory.accounts.forms.ProfileForm)."""

from __future__ import annotations

from django.db import transaction
from django.forms.models import model_to_dict
from django.http import HttpRequest
from ninja import Router

from habitstory.accounts.forms import ProfileForm
from habitstory.accounts.models import NOTIFICATION_CHANNELS, NOTIFICATION_KINDS, Profile
from habitstory.notifications import services
from habitstory.notifications.models import Notification

from ..auth import user_of
from ..envelope import ApiError, invalid, ok, responses
from ..notification_schemas import (
    PREFERENCE_FIELDS,
    Kind,
    MarkReadIn,
    MarkReadOut,
    NotificationOut,
    PreferencesIn,
    PreferencesOut,
    notification_data,
    preferences_data,
)
from ..pagination import Key, Order, cursor_param, limit_param, ok_page, paged, paginate

router = Router(tags=["notifications"])

NEWEST_FIRST = Order("notifications", Key("created_at", descending=True), Key("id", descending=True))
SAVED = ["prompt_window_start", "prompt_window_end", "quiet_hours_start", "quiet_hours_end",
         "notification_preferences", "updated_at"]


def _inbox(user):
    """What the inbox shows: the notifications the user's preferences sent in the app."""
    return Notification.objects.filter(user=user, in_app=True)


@router.get("/notifications", response=paged(NotificationOut), summary="List your notifications")
def list_notifications(request: HttpRequest, unread: bool | None = None, kind: Kind | None = None,  # type: ignore[valid-type]
                       cursor: str | None = cursor_param(), limit: int = limit_param()):
    """Your inbox, newest first, a page at a time (`meta.next`). Filter with
    `?unread=true` (or false) and `?kind=`."""
    notifications = _inbox(user_of(request))
    if unread is not None:
        notifications = notifications.filter(read_at__isnull=unread)
    if kind:
        notifications = notifications.filter(kind=kind)
    page = paginate(notifications, NEWEST_FIRST, cursor, limit)
    return ok_page([notification_data(notification) for notification in page.items], page)


@router.post("/notifications/mark-read", response=responses(MarkReadOut, body=True), summary="Mark notifications read")
def mark_read(request: HttpRequest, payload: MarkReadIn):
    """`{"ids": [3, 4]}` marks those (all of them yours, or a 404 and nothing marked);
    `{"all": true}` marks every one. Idempotent: one already read stays as it was."""
    user = user_of(request)
    if payload.all:
        marked = services.mark_all_read(user)
    else:
        ids = set(payload.ids)
        found = list(_inbox(user).filter(pk__in=ids))
        missing = sorted(ids - {notification.pk for notification in found})
        if missing:
            raise ApiError(404, details={"ids": [f"No such notification: {', '.join(map(str, missing))}."]})
        marked = sum(services.mark_read(notification) for notification in found)
    return ok({"marked": marked, "unread": services.count_unread(user.pk)})


@router.get("/notifications/preferences", response=responses(PreferencesOut), summary="Your notification preferences")
def read_preferences(request: HttpRequest):
    return ok(preferences_data(user_of(request).profile))


@router.put("/notifications/preferences", response=responses(PreferencesOut, body=True),
            summary="Change your notification preferences")
def update_preferences(request: HttpRequest, payload: PreferencesIn):
    """Checked as the profile page checks them: the prompt window ends after it starts;
    quiet hours start and end at different times (an end before the start crosses
    midnight)."""
    user = user_of(request)
    with transaction.atomic():
        profile = Profile.objects.select_for_update().get(user=user)
        form = ProfileForm(_form_data(profile, payload), instance=profile)
        if not form.is_valid():
            raise invalid({PREFERENCE_FIELDS.get(field, field): list(errors) for field, errors in form.errors.items()})
        form.save(commit=False).save(update_fields=SAVED)  # the profile's other fields (XP) are not rewritten
    return ok(preferences_data(profile))


def _form_data(profile: Profile, payload: PreferencesIn) -> dict:
    """The profile page's form as filled in now, with what was sent in place."""
    data = model_to_dict(profile, fields=ProfileForm.Meta.fields)
    data["timezone"] = str(profile.timezone)
    data["prompt_window_start"] = payload.prompt_window.start
    data["prompt_window_end"] = payload.prompt_window.end
    quiet = payload.quiet_hours
    data["quiet_hours_start"] = quiet.start if quiet else None
    data["quiet_hours_end"] = quiet.end if quiet else None
    sent = payload.channels.model_dump(exclude_unset=True)
    for kind in NOTIFICATION_KINDS:
        channels = sent[kind] if sent.get(kind) is not None else profile.channels_for(kind)
        for channel in NOTIFICATION_CHANNELS:
            data[f"notify_{kind}_{channel}"] = channel in channels
    return {key: value for key, value in data.items() if value is not None and value is not False}
