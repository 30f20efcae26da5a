"""A quest's attachments on its page: upload, delete, and the owner-only download and
thumbnail views (also used by the API). Another user's quest or file is a 404."""

from __future__ import annotations

import os

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_POST, require_safe

from habitstory.core.streaming import served

from . import attachments
from .models import Attachment, Quest

THUMBNAIL_TYPE = "image/webp"
# A file opened on its own runs nothing and loads nothing, even if a browser took it for a page.
FILE_CSP = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox; frame-ancestors 'none'"


class AttachmentForm(forms.Form):
    file = forms.FileField(label="Attach a file")


def _quest(request: HttpRequest, pk: int) -> Quest:
    return get_object_or_404(Quest, pk=pk, user=request.user)


def _attachment(request: HttpRequest, pk: int, attachment_id: int) -> Attachment:
    # The quest first: a lookup by pk answers nothing for an id past the column's range,
    # where one through a foreign key would fail.
    return get_object_or_404(Attachment, pk=attachment_id, quest=_quest(request, pk))


# --- serving ----------------------------------------------------------------------------------


def serve(request: HttpRequest, attachment: Attachment, *, thumbnail: bool = False) -> HttpResponse:
    """The file (or its thumbnail) for its owner: streamed from the filesystem, or on S3 a
    redirect to a signed URL that expires in minutes (AWS_QUERYSTRING_EXPIRE) and makes S3
    send the same type and disposition. Images are shown inline; PDF and text download."""
    field = attachment.thumbnail if thumbnail else attachment.file
    if not field.name:
        raise Http404("No such file")
    content_type = THUMBNAIL_TYPE if thumbnail else attachment.content_type
    inline = thumbnail or attachment.kind == Attachment.Kind.IMAGE
    filename = f"{os.path.splitext(attachment.name)[0]}-thumbnail.webp" if thumbnail else attachment.name
    if isinstance(field.storage, FileSystemStorage):
        try:
            handle = field.open("rb")
        except FileNotFoundError:
            raise Http404("No such file") from None
        response = served(
            request, FileResponse(handle, as_attachment=not inline, filename=filename, content_type=content_type)
        )
    else:
        response = HttpResponseRedirect(field.storage.url(field.name, parameters={
            "ResponseContentType": content_type,
            "ResponseContentDisposition": content_disposition_header(not inline, filename),
            "ResponseCacheControl": "private, no-store",
        }))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    response["Cache-Control"] = "private, max-age=300" if thumbnail else "private, no-store"
    return response


@login_required
@require_safe
def download(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    return serve(request, _attachment(request, pk, attachment_id))


@login_required
@require_safe
def thumbnail(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    return serve(request, _attachment(request, pk, attachment_id), thumbnail=True)


# --- changing ---------------------------------------------------------------------------------


def _answer(request: HttpRequest, quest: Quest, form: AttachmentForm | None = None, notice: str = "") -> HttpResponse:
    """htmx: the attachments region, fresh (with the form's errors); otherwise back to the
    quest's page with a message naming the field."""
    if request.htmx:
        context = {
            "quest": quest,
            "attachments": attachments.attachments_of(quest),
            "attachment_form": form,
            "notice": notice,
        }
        return render(request, "quests/_attachments.html", context)
    if form is not None and form.errors:
        for error in form.errors.get("file", []):
            messages.error(request, f"Attach a file: {error}")
    elif notice:
        messages.success(request, notice)
    return redirect("quests:detail", quest.pk)


@login_required
@require_POST
def upload(request: HttpRequest, pk: int) -> HttpResponse:
    quest = _quest(request, pk)
    form = AttachmentForm(request.POST, request.FILES)
    if not form.is_valid():
        return _answer(request, quest, form)
    try:
        attachment = attachments.add_attachment(quest, form.cleaned_data["file"])
    except attachments.AttachmentError as error:
        form.add_error("file", error)
        return _answer(request, quest, form)
    except Quest.DoesNotExist:
        raise Http404("No such quest") from None
    return _answer(request, quest, notice=f"Attached “{attachment.name}”.")


@login_required
@require_POST
def delete(request: HttpRequest, pk: int, attachment_id: int) -> HttpResponse:
    attachment = _attachment(request, pk, attachment_id)
    attachments.delete_attachment(attachment)
    return _answer(request, attachment.quest, notice=f"Deleted “{attachment.name}”.")
