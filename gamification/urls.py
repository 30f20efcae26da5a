"""URLs of the gamification app, mounted by habitstory/urls.py; its pages land with its issue."""

app_name = "gamification"

urlpatterns: list = []
