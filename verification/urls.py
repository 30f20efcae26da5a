"""URLs of the verification app, mounted at /verify/ by habitstory/urls.py."""

from django.urls import path

from . import views

app_name = "verification"

urlpatterns = [
    path("<int:habit_id>/<str:on>/", views.capture, name="capture"),
    path("media/<int:pk>/", views.media_view, name="media"),
]
