"""The API's shapes for the inbox and the notification preferences (see schemas.py for
how input schemas state the rules)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from ninja import Field
from pydantic import ConfigDict, create_model, model_validator

from habitstory.accounts.models import NOTIFICATION_CHANNELS, NOTIFICATION_KINDS

from .envelope import Out
from .fields import TimeOfDay
from .schemas import Id, Input

Kind = Literal[tuple(NOTIFICATION_KINDS)]  # type: ignore[valid-type]
Channel = Literal[tuple(NOTIFICATION_CHANNELS)]  # type: ignore[valid-type]
MARK_MAX = 100  # ids in one mark-read request
CHANNELS_DOC = ", ".join(f"`{channel}` ({label.lower()})" for channel, label in NOTIFICATION_CHANNELS.items())

# ProfileForm field → API field, for its errors.
PREFERENCE_FIELDS = {
    "prompt_window_start": "prompt_window.start",
    "prompt_window_end": "prompt_window.end",
    "quiet_hours_start": "quiet_hours.start",
    "quiet_hours_end": "quiet_hours.end",
}


class NotificationOut(Out):
    id: int
    kind: Kind
    title: str
    body: str
    url: str = Field(description="Where it leads: a path on this site (/quests/3/) or an http(s) URL; may be empty.")
    created_at: dt.datetime
    read_at: dt.datetime | None


class MarkReadIn(Input):
    ids: list[Id] = Field(None, min_length=1, max_length=MARK_MAX,  # type: ignore[assignment]
                          description=f"Up to {MARK_MAX} of your notifications' ids (404 if one is not yours).")
    all: Literal[True] = Field(None, description="Mark every notification read.")  # type: ignore[assignment]

    # One or the other.
    model_config = ConfigDict(extra="forbid", json_schema_extra={"oneOf": [
        {"required": ["ids"], "not": {"required": ["all"]}},
        {"required": ["all"], "not": {"required": ["ids"]}},
    ]})

    @model_validator(mode="after")
    def _one_of(self) -> MarkReadIn:
        if (self.ids is None) == (self.all is None):
            raise ValueError("Send either ids or all, not both.")
        return self


class MarkReadOut(Out):
    marked: int = Field(description="How many were unread and are now read.")
    unread: int = Field(description="Your unread notifications now.")


ChannelList = Annotated[list[Channel], Field(max_length=len(NOTIFICATION_CHANNELS))]

# One field per kind, described by its label: {"prompts": ["in_app", "push"], …}.
ChannelsOut = create_model(
    "ChannelsOut",
    __base__=Out,
    **{kind: (list[Channel], Field(description=label)) for kind, label in NOTIFICATION_KINDS.items()},
)
ChannelsIn = create_model(
    "ChannelsIn",
    __base__=Input,
    **{kind: (ChannelList, Field(None, description=label)) for kind, label in NOTIFICATION_KINDS.items()},
)


class WindowOut(Out):
    start: str = Field(description="HH:MM, your local time.")
    end: str = Field(description="HH:MM, your local time.")


class PromptWindowIn(Input):
    start: TimeOfDay
    end: TimeOfDay = Field(description="After `start`.")


class QuietHoursIn(Input):
    start: TimeOfDay
    end: TimeOfDay = Field(description="Not the same as `start`; before it means the quiet hours cross midnight.")


class PreferencesOut(Out):
    channels: ChannelsOut = Field(description=f"Each kind of notification's channels: {CHANNELS_DOC}.")  # type: ignore[valid-type]
    prompt_window: WindowOut = Field(description="Prompts, nudges and quest reminders arrive only inside it.")
    quiet_hours: WindowOut | None = Field(description="Nothing is pushed or e-mailed in them; null for none.")


class PreferencesIn(Input):
    channels: ChannelsIn = Field(  # type: ignore[valid-type]
        description=f"Each kind's channels ({CHANNELS_DOC}; an empty list for none; the same channel twice counts "
        "once). A kind left out keeps its channels, so a client written before a kind existed leaves it as it is."
    )
    prompt_window: PromptWindowIn = Field(description="Its end after its start.")
    quiet_hours: QuietHoursIn | None = Field(description="null for none.")


def notification_data(notification) -> dict:
    return {
        "id": notification.pk,
        "kind": notification.kind,
        "title": notification.title,
        "body": notification.body,
        "url": notification.url,
        "created_at": notification.created_at,
        "read_at": notification.read_at,
    }


def _hhmm(value: dt.time) -> str:
    return value.strftime("%H:%M")


def preferences_data(profile) -> dict:
    quiet = profile.quiet_hours_start, profile.quiet_hours_end
    chosen = {kind: profile.channels_for(kind) for kind in NOTIFICATION_KINDS}  # a new kind: its defaults
    return {
        "channels": {kind: [c for c in NOTIFICATION_CHANNELS if c in chosen[kind]] for kind in NOTIFICATION_KINDS},
        "prompt_window": {"start": _hhmm(profile.prompt_window_start), "end": _hhmm(profile.prompt_window_end)},
        "quiet_hours": {"start": _hhmm(quiet[0]), "end": _hhmm(quiet[1])} if None not in quiet else None,
    }
