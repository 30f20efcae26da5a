"""Insights' pages: check-ins and life events (views.py), the timeline (views.py, data from
habitstory.story.timeline), the Insights page and what-if (insight_views.py)."""

from django.urls import path

app_name = "insights"

urlpatterns: list = [
    # views.py (check-ins, life events, timeline)
    # insight_views.py (the Insights page, what-if, charts)
]
