from django.urls import path

from . import views

app_name = "gamification"

urlpatterns = [
    path("achievements/", views.achievements, name="achievements"),
    path("pet/", views.pet, name="pet"),
    path("leaderboard/", views.leaderboard, name="leaderboard"),
]
