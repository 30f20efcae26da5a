"""Insights in admin: check-ins and life events (shown; users write them through the
services), model versions with their held-out metrics beside the baseline's and the
champion's, and the staff's promote and rollback (through the registry, logged), and each
user's training state."""

from __future__ import annotations

import logging

from django.contrib import admin, messages

from . import registry, training
from .models import CheckIn, LifeEvent, ModelVersion, TrainingState

logger = logging.getLogger(__name__)


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown to staff; written by the services, the registry or the nightly job only."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    list_display = ["on", "user", "mood", "energy", "sleep_hours", "exercise_minutes", "stress"]
    list_filter = ["mood"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    date_hierarchy = "on"


@admin.register(LifeEvent)
class LifeEventAdmin(ReadOnlyAdmin):
    list_display = ["title", "user", "type", "start", "end"]
    list_filter = ["type"]
    search_fields = ["title", "user__email"]
    list_select_related = ["user"]


def _primary(metrics: dict, kind: str) -> str:
    name = training.PRIMARY[kind][0]
    value = (metrics or {}).get(name)
    return "—" if value is None else f"{name} {value:.3f}"


@admin.register(ModelVersion)
class ModelVersionAdmin(ReadOnlyAdmin):
    """Versions and their held-out figures; "promote" and "rollback" go through the registry
    (one champion per scope and kind; the users' cached forecasts are dropped)."""

    list_display = ["__str__", "kind", "scope", "user", "status", "held_out", "baseline", "champion_then",
                    "n_train", "created_at", "promoted_at"]
    list_filter = ["status", "kind", "scope"]
    search_fields = ["user__email", "note"]
    list_select_related = ["user"]
    date_hierarchy = "created_at"
    actions = ["promote", "rollback"]
    readonly_fields = [field.name for field in ModelVersion._meta.fields]

    @admin.display(description="held out")
    def held_out(self, obj: ModelVersion) -> str:
        return _primary(obj.metrics, obj.kind)

    @admin.display(description="baseline")
    def baseline(self, obj: ModelVersion) -> str:
        return _primary(obj.baseline_metrics, obj.kind)

    @admin.display(description="champion then")
    def champion_then(self, obj: ModelVersion) -> str:
        return _primary(obj.champion_metrics, obj.kind)

    def has_promote_permission(self, request) -> bool:
        return request.user.has_perm("insights.change_modelversion")

    has_rollback_permission = has_promote_permission

    @admin.action(description="Promote to champion (retires the current one)", permissions=["promote"])
    def promote(self, request, queryset):
        chosen = list(queryset)
        scopes = {(v.user_id, v.kind) for v in chosen}
        if len(scopes) != len(chosen):
            self.message_user(request, "Choose at most one version per user (or pooled) and kind.", messages.ERROR)
            return
        for version in chosen:
            registry.promote(version, by=request.user)
            self.log_change(request, version, f"Promoted to champion by {request.user}.")
        self.message_user(request, f"Promoted {len(chosen)} version(s).", messages.SUCCESS)

    @admin.action(description="Roll back (the champion before it serves again)", permissions=["rollback"])
    def rollback(self, request, queryset):
        chosen = list(queryset)
        if any(v.status != ModelVersion.Status.CHAMPION for v in chosen):
            self.message_user(request, "Only a champion can be rolled back.", messages.ERROR)
            return
        for version in chosen:
            previous = registry.rollback(version, by=request.user)
            restored = f"#{previous.pk} serves again" if previous else "no champion is left"
            self.log_change(request, version, f"Rolled back by {request.user}; {restored}.")
            if previous is not None:
                self.log_change(request, previous, f"Champion again after the rollback of #{version.pk}.")
        self.message_user(request, f"Rolled back {len(chosen)} version(s).", messages.SUCCESS)


@admin.register(TrainingState)
class TrainingStateAdmin(ReadOnlyAdmin):
    list_display = ["user", "data_changed_at", "trained_at", "claimed_until", "claimed_by", "last_error"]
    search_fields = ["user__email"]
    list_select_related = ["user"]
    list_filter = [("last_error", admin.EmptyFieldListFilter)]
