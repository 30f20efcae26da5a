"""The API tokens page, under the profile (/profile/tokens/): HTML pages, not part of the
JSON API."""

from django.urls import path

from . import views

app_name = "tokens"

urlpatterns = [
    path("", views.tokens, name="index"),
    path("<int:token_id>/revoke/", views.revoke_token, name="revoke"),
]
