"""Sign-up extras and the profile settings form."""

from __future__ import annotations

import zoneinfo

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe

from .models import NOTIFICATION_CHANNELS, NOTIFICATION_KINDS, Profile

TIMEZONE_CHOICES = [(name, name.replace("_", " ")) for name in sorted(zoneinfo.available_timezones())]


class TimezoneSelect(forms.Select):
    """A <select> of ~600 zones, written directly: through Django's per-option widget
    templates it took most of the profile page's time."""

    def render(self, name, value, attrs=None, renderer=None):
        attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((zone, mark_safe(" selected") if zone == str(value) else "", label) for zone, label in TIMEZONE_CHOICES),
        )
        return format_html("<select{}>{}</select>", flatatt(attrs), options)


def parse_timezone(name: str | None) -> str:
    """The IANA zone the browser reported, or UTC when it sent nothing usable."""
    name = (name or "").strip()
    return name if name in zoneinfo.available_timezones() else "UTC"


class SignupProfileForm(forms.Form):
    """Fields allauth adds to its sign-up form (ACCOUNT_SIGNUP_FORM_CLASS).

    `timezone` is filled in by the browser (static/js/timezone.js); the profile row is
    written by AccountAdapter.save_user in the same transaction as the user.
    """

    timezone = forms.CharField(required=False, widget=forms.HiddenInput, max_length=64)

    def clean_timezone(self) -> str:
        return parse_timezone(self.cleaned_data.get("timezone"))

    def signup(self, request, user) -> None:
        """allauth calls this after save_user; the profile is already complete by then."""


class ProfileForm(forms.ModelForm):
    timezone = forms.ChoiceField(
        choices=TIMEZONE_CHOICES, widget=TimezoneSelect, help_text="Days start and end here."
    )

    class Meta:
        model = Profile
        fields = [
            "display_name",
            "timezone",
            "day_start_hour",
            "week_start",
            "prompt_window_start",
            "prompt_window_end",
            "quiet_hours_start",
            "quiet_hours_end",
            "show_on_leaderboards",
            "quest_auto_complete",
            "pooled_learning",
        ]
        labels = {
            "day_start_hour": "Day starts at (hour)",
            "prompt_window_start": "Prompts from",
            "prompt_window_end": "Prompts until",
            "quiet_hours_start": "Quiet hours from",
            "quiet_hours_end": "Quiet hours until",
            "show_on_leaderboards": "Show me on leaderboards",
            "quest_auto_complete": "Complete a quest when its last objective is done",
            "pooled_learning": "Pooled learning: learn from everyone who opted in",
        }
        help_texts = {
            "display_name": "Shown in greetings and, if you opt in later, on leaderboards.",
            "day_start_hour": "0 = midnight. With 2, a tick at 01:30 still counts for yesterday.",
            "prompt_window_start": "Prompts and nudges only arrive inside this window.",
            "quiet_hours_start": "Nothing is pushed or e-mailed during quiet hours.",
            "quest_auto_complete": "Off: the quest asks “Complete?” first, so you can add a last step.",
            "show_on_leaderboards": "Others see your display name (or “Player #” and a number) and this week's XP.",
        }
        widgets = {
            "prompt_window_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "prompt_window_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_start": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "quiet_hours_end": forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
            "day_start_hour": forms.NumberInput(attrs={"min": 0, "max": 6}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk and not self.is_bound:
            self.initial["timezone"] = str(self.instance.timezone)
        for kind, kind_label in NOTIFICATION_KINDS.items():
            chosen = self.instance.channels_for(kind) if self.instance.pk else []
            for channel, channel_label in NOTIFICATION_CHANNELS.items():
                self.fields[f"notify_{kind}_{channel}"] = forms.BooleanField(
                    required=False,
                    label=f"{kind_label}: {channel_label}",
                    initial=channel in chosen,
                )

    def notification_rows(self):
        """(kind label, [bound fields by channel]) for the preferences table."""
        return [
            (label, [self[f"notify_{kind}_{channel}"] for channel in NOTIFICATION_CHANNELS])
            for kind, label in NOTIFICATION_KINDS.items()
        ]

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("prompt_window_start"), cleaned.get("prompt_window_end")
        if start and end and start >= end:
            self.add_error("prompt_window_end", "The prompt window must end after it starts.")
        quiet_start, quiet_end = cleaned.get("quiet_hours_start"), cleaned.get("quiet_hours_end")
        if bool(quiet_start) != bool(quiet_end):
            field = "quiet_hours_end" if quiet_start else "quiet_hours_start"
            self.add_error(field, "Give both ends of your quiet hours, or neither.")
        elif quiet_start and quiet_start == quiet_end:
            self.add_error("quiet_hours_end", "Quiet hours must not start and end at the same time.")
        return cleaned

    def save(self, commit: bool = True) -> Profile:
        profile = super().save(commit=False)
        profile.notification_preferences = {
            kind: [
                channel
                for channel in NOTIFICATION_CHANNELS
                if self.cleaned_data.get(f"notify_{kind}_{channel}")
            ]
            for kind in NOTIFICATION_KINDS
        }
        if commit:
            profile.save()
        return profile
