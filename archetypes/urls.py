"""URLs of the archetypes app, mounted by habitstory/urls.py at /archetypes/."""

from django.urls import path

from . import house_views, views

app_name = "archetypes"

urlpatterns = [
    # The quiz, the result and the history (archetypes/views.py).
    path("quiz/", views.quiz, name="quiz"),
    path("quiz/<int:number>/", views.step, name="step"),
    path("quiz/skip/", views.skip, name="skip"),
    path("result/", views.result, name="result"),
    path("result/accept/", views.accept, name="accept"),
    path("history/", views.history, name="history"),
    # The houses, the house cup and changing house (archetypes/house_views.py).
    path("houses/", house_views.house_list, name="houses"),
    path("houses/change/", house_views.change_house, name="change_house"),
    path("houses/cup-history/", house_views.cup_history, name="cup_history"),
    path("houses/<slug:slug>/", house_views.house_detail, name="house"),
]
