"""Verification in admin: the staff's queue of proofs (by default those waiting for staff),
each with its media inline, its peer reviews and the log of staff decisions; staff approve
or reject through the story layer (habitstory.story.verification.staff_decide: the day,
XP and news follow, and the decision is logged as a StaffDecision), from the change page's
decision form or the list's actions. Reviewers' trust is shown; staff can pause one.
Nothing here is added or deleted by hand: the services write these tables. Owners and
reviewers appear as ids, so staff judge a proof as its peers did, without names."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html

from habitstory.story import verification as story

from .models import Review, Reviewer, StaffDecision, Submission
from .services import VerificationError

DECIDABLE = (Submission.State.PENDING, Submission.State.ESCALATED, Submission.State.APPROVED)


class StaffDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=StaffDecision.Decision.choices, widget=forms.RadioSelect)
    reason = forms.ChoiceField(choices=[("", "—"), *Review.Reason.choices], required=False,
                               help_text="Needed to reject.")
    note = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000)

    def clean(self):
        data = super().clean()
        if data.get("decision") == StaffDecision.Decision.REJECT and not data.get("reason"):
            self.add_error("reason", "Say why you reject it.")
        return data


class DecisionActionForm(helpers.ActionForm):
    """The changelist's action bar, with the reason and note the actions use."""

    reason = forms.ChoiceField(choices=[("", "reason…"), *Review.Reason.choices], required=False)
    note = forms.CharField(required=False, max_length=2000, widget=forms.TextInput(attrs={"placeholder": "note"}))


class QueueFilter(admin.SimpleListFilter):
    """Waiting for staff by default; any state, or all, on request."""

    title = "queue"
    parameter_name = "queue"
    ALL = "all"

    def lookups(self, request, model_admin):
        waiting = (Submission.State.ESCALATED, Submission.State.ESCALATED.label)
        others = [choice for choice in Submission.State.choices if choice[0] != Submission.State.ESCALATED]
        return [waiting, *others, (self.ALL, "All")]

    def value(self):
        return super().value() or Submission.State.ESCALATED

    def queryset(self, request, queryset):
        value = self.value()
        return queryset if value == self.ALL else queryset.filter(state=value)

    def choices(self, changelist):
        for lookup, title in self.lookup_choices:
            yield {"selected": self.value() == lookup, "display": title,
                   "query_string": changelist.get_query_string({self.parameter_name: lookup})}


def media_tag(submission: Submission) -> str:
    if not submission.media:
        return format_html("<p>{}</p>", "The media is deleted.")
    url = reverse("verification:media", args=[submission.pk])
    if submission.kind == Submission.Kind.PHOTO:
        return format_html('<img src="{}" alt="The proof" style="max-width:100%;max-height:480px">', url)
    if submission.kind == Submission.Kind.VIDEO:
        return format_html('<video src="{}" controls preload="metadata" style="max-width:100%;max-height:480px">'
                           "</video>", url)
    return format_html('<audio src="{}" controls preload="metadata"></audio>', url)


def id_of(field: str, description: str):
    """A column showing a relation's id only (a relation's own column would show the
    user's e-mail)."""

    @admin.display(description=description)
    def shown(self, obj) -> int | None:
        return getattr(obj, f"{field}_id")

    return shown


class ShownOnly:
    """An inline or admin written by the services only."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReviewInline(ShownOnly, admin.TabularInline):
    model = Review
    fields = ["reviewer_no", "decision", "reason", "claimed_at", "lease_until", "decided_at", "agreed"]
    readonly_fields = fields
    reviewer_no = id_of("reviewer", "reviewer id")
    extra = 0
    can_delete = False


class StaffDecisionInline(ShownOnly, admin.TabularInline):
    model = StaffDecision
    fields = ["at", "staff_no", "decision", "reason", "note"]
    readonly_fields = fields
    staff_no = id_of("staff", "staff id")
    extra = 0
    can_delete = False


@admin.register(Submission)
class SubmissionAdmin(admin.ModelAdmin):
    list_display = ["id", "kind", "state", "approvals", "rejections", "flags", "created_at", "decided_at"]
    list_filter = [QueueFilter, "kind"]
    list_per_page = 50
    date_hierarchy = "created_at"
    inlines = [ReviewInline, StaffDecisionInline]
    actions = ["approve", "reject"]
    action_form = DecisionActionForm
    change_form_template = "admin/verification/submission/change_form.html"
    fieldsets = [
        (None, {"fields": ["media_preview", "claim", "kind", "state", "decision_reason"]}),
        ("Reviews", {"fields": ["approvals", "rejections", "flags", "claimed_by_no", "lease_until"]}),
        ("The file", {"fields": ["owner_no", "habit_no", "content_type", "size", "duration", "faces_blurred",
                                 "sha256", "stored_sha256", "key_id", "media_deleted_at"]}),
        ("Dates", {"fields": ["created_at", "decided_at"]}),
    ]
    readonly_fields = [field for fieldset in fieldsets for field in fieldset[1]["fields"]]

    @admin.display(description="media")
    def media_preview(self, obj: Submission) -> str:
        return media_tag(obj)

    owner_no = id_of("user", "owner id")
    habit_no = id_of("habit", "habit id")
    claimed_by_no = id_of("claimed_by", "claimed by (reviewer id)")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a proof goes with its day (the story layer), never alone

    def get_urls(self):
        decide = self.admin_site.admin_view(self.decide_view)
        return [path("<path:object_id>/decide/", decide, name="verification_submission_decide"), *super().get_urls()]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The proof, read-only, and the staff's decision form while one can be taken."""
        submission = self.get_object(request, object_id)
        decidable = submission is not None and submission.state in DECIDABLE
        extra_context = {
            **(extra_context or {}), "show_save": False, "show_save_and_continue": False,
            "decision_form": StaffDecisionForm() if decidable else None,
            "decide_url": reverse("admin:verification_submission_decide", args=[object_id]),
        }
        return super().change_view(request, object_id, form_url, extra_context)

    def decide_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        if not self.has_change_permission(request):
            raise PermissionDenied
        submission = self.get_object(request, object_id)
        if submission is None:
            raise Http404("No such proof")
        form = StaffDecisionForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            self._decide(request, submission, data["decision"], data["reason"], data["note"])
        else:
            errors = "; ".join(f"{name}: {' '.join(texts)}" for name, texts in form.errors.items())
            self.message_user(request, f"Nothing decided. {errors}", messages.ERROR)
        return redirect("admin:verification_submission_change", submission.pk)

    def _decide(self, request: HttpRequest, submission: Submission, decision: str, reason: str, note: str) -> bool:
        try:
            decided = story.staff_decide(submission.pk, request.user, decision, reason, note)
        except VerificationError as error:
            self.message_user(request, f"#{submission.pk}: {' '.join(error.messages)}", messages.ERROR)
            return False
        self.log_change(request, decided, f"Staff decision: {decision}{f' ({reason})' if reason else ''}.")
        self.message_user(request, f"#{submission.pk} is {decided.get_state_display().lower()}.", messages.SUCCESS)
        return True

    @admin.action(description="Approve the selected proofs", permissions=["change"])
    def approve(self, request, queryset):
        for submission in queryset:
            self._decide(request, submission, StaffDecision.Decision.APPROVE, request.POST.get("reason", ""),
                         request.POST.get("note", ""))

    @admin.action(description="Reject the selected proofs (with the reason chosen)", permissions=["change"])
    def reject(self, request, queryset):
        reason = request.POST.get("reason", "")
        if reason not in Review.Reason.values:
            self.message_user(request, "Choose a reason to reject.", messages.ERROR)
            return
        for submission in queryset:
            self._decide(request, submission, StaffDecision.Decision.REJECT, reason, request.POST.get("note", ""))


@admin.register(Review)
class ReviewAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["id", "submission_no", "reviewer_no", "decision", "reason", "claimed_at", "decided_at", "agreed"]
    list_filter = ["decision", "reason", "agreed"]
    submission_no = id_of("submission", "proof")
    reviewer_no = id_of("reviewer", "reviewer id")


@admin.register(StaffDecision)
class StaffDecisionAdmin(ShownOnly, admin.ModelAdmin):
    list_display = ["at", "submission_no", "staff_no", "decision", "reason", "note"]
    list_filter = ["decision", "reason"]
    submission_no = id_of("submission", "proof")
    staff_no = id_of("staff", "staff id")


@admin.register(Reviewer)
class ReviewerAdmin(admin.ModelAdmin):
    """`active` is the one thing staff change: a reviewer paused (or back)."""

    list_display = ["user_no", "active", "trust", "decided", "agreed", "opted_in_at"]
    list_filter = ["active"]
    list_editable = ["active"]
    ordering = ["trust"]
    fields = ["user_no", "active", "trust", "decided", "agreed", "opted_in_at"]
    readonly_fields = ["user_no", "trust", "decided", "agreed", "opted_in_at"]
    user_no = id_of("user", "reviewer id")

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
