"""URLs of the verification app, mounted by habitstory/urls.py; its pages land with its issue."""

app_name = "verification"

urlpatterns: list = []
