"""URLs of the archetypes app, mounted by habitstory/urls.py; its pages land with its issue."""

app_name = "archetypes"

urlpatterns: list = []
