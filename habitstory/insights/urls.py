"""Insights' pages: check-ins and life events (views.py), the timeline (views.py, data from
habitstory.story.timeline), the Insights page and what-if (insight_views.py)."""

from django.urls import path

from . import insight_views, views

app_name = "insights"

urlpatterns: list = [
    # views.py (check-ins, life events, timeline)
    path("day/", views.pick_day, name="checkin-pick"),
    path("day/<str:on>/", views.checkin, name="checkin"),
    path("day/<str:on>/delete/", views.checkin_delete, name="checkin-delete"),
    path("events/", views.events, name="events"),
    path("events/new/", views.event_create, name="event-create"),
    path("events/<int:pk>/", views.event_edit, name="event-edit"),
    path("events/<int:pk>/delete/", views.event_delete, name="event-delete"),
    path("timeline/", views.timeline, name="timeline"),
    # insight_views.py (the Insights page, what-if, charts)
    path("", insight_views.insights, name="index"),
    path("what-if/", insight_views.what_if, name="what-if"),
]
