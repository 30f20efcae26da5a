"""Placeholder: helper A (Stripe) writes this (docs/dev/17-brief.md)."""


def webhook(request):
    raise NotImplementedError
