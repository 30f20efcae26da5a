"""Billing in admin: the Free plan's limits (staff edit them in the list), each user's
subscription as the webhooks stored it (plan now, grace, usage), the webhook events handled,
and every user's usage against the limits (Subscriptions → "Usage"). Subscriptions and
events are written by the webhooks and sync_subscriptions only: shown here, not edited."""

from __future__ import annotations

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.html import format_html, format_html_join

from . import limits
from .models import HandledEvent, Kind, PlanLimit, Subscription

USAGE_PAGE = 50


class ShownOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(PlanLimit)
class PlanLimitAdmin(admin.ModelAdmin):
    list_display = ["kind", "free_limit", "updated_at"]
    list_editable = ["free_limit"]
    readonly_fields = ["updated_at"]

    def has_add_permission(self, request):
        """One row per kind, made by the migration; a kind whose row is missing may be added."""
        return super().has_add_permission(request) and PlanLimit.objects.count() < len(Kind)

    def has_delete_permission(self, request, obj=None):
        return False


def usage_table(user) -> str:
    rows = format_html_join("", "<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>",
                            ((row.label, row.used, "no limit" if row.limit is None else row.limit)
                             for row in limits.usage(user)))
    return format_html("<table><thead><tr><th>Kind</th><th>Used</th><th>Limit</th></tr></thead>"
                       "<tbody>{}</tbody></table>", rows)


@admin.register(Subscription)
class SubscriptionAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["user", "status", "plan_now", "interval", "current_period_end", "cancel_at_period_end",
                    "grace"]
    list_filter = ["status", "interval", "cancel_at_period_end"]
    search_fields = ["user__email", "customer_id", "subscription_id"]
    list_select_related = ["user"]
    readonly_fields = ["user", "customer_id", "subscription_id", "status", "price_id", "interval",
                       "current_period_end", "cancel_at_period_end", "canceled_at", "past_due_since",
                       "state_at", "payment_state_at", "updated_at", "plan_now", "grace", "usage"]
    fields = readonly_fields

    @admin.display(description="plan now")
    def plan_now(self, obj: Subscription) -> str:
        return "Premium" if limits.premium_state(obj) else "Free"  # the row's own state, billing on or off

    @admin.display(description="grace until")
    def grace(self, obj: Subscription) -> str:
        until = limits.grace_until(obj)
        return f"{until:%Y-%m-%d %H:%M}" if until else "—"

    @admin.display(description="usage")
    def usage(self, obj: Subscription) -> str:
        return usage_table(obj.user)

    def get_urls(self):
        usage = self.admin_site.admin_view(self.usage_view)
        return [path("usage/", usage, name="billing_usage"), *super().get_urls()]

    def usage_view(self, request: HttpRequest) -> TemplateResponse:
        """Every user: plan and each kind's used of its limit (searchable, 50 a page)."""
        if not self.has_view_permission(request):
            raise PermissionDenied
        users = get_user_model().objects.order_by("email")
        query = request.GET.get("q", "").strip()
        if query:
            users = users.filter(Q(email__icontains=query) | Q(subscription__customer_id=query))
        page = Paginator(users, USAGE_PAGE).get_page(request.GET.get("p"))
        rows = [(user, limits.plan_state(user).name, limits.usage(user)) for user in page]
        context = {**self.admin_site.each_context(request), "title": "Usage", "opts": self.model._meta,
                   "kinds": Kind.choices, "rows": rows, "page": page, "q": query}
        return TemplateResponse(request, "admin/billing/usage.html", context)


@admin.register(HandledEvent)
class HandledEventAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["id", "type", "created", "outcome", "user", "handled_at"]
    list_filter = ["outcome", "type"]
    search_fields = ["id", "type"]
    list_select_related = ["user"]
    readonly_fields = ["id", "type", "created", "handled_at", "outcome", "user"]
