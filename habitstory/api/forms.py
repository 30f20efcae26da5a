from __future__ import annotations

from django import forms

from .models import ApiToken


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        max_length=ApiToken._meta.get_field("name").max_length,
        label="Token name",
        validators=ApiToken._meta.get_field("name").validators,
        help_text="What it is for, e.g. “Shortcuts on my phone”.",
    )

    def __init__(self, *args, user, **kwargs):
        kwargs.setdefault("prefix", "token")
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if ApiToken.objects.active().filter(user=self.user, name__iexact=name).exists():
            raise forms.ValidationError("You already have a token with this name; pick another or revoke that one.")
        return name
