"""Placeholder: helper B (pages) writes these (docs/dev/17-brief.md)."""


def billing(request):
    raise NotImplementedError


pricing = checkout = portal = success = cancel = billing
