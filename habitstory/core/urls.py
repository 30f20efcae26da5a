from django.urls import path

from habits import views as habit_views

from . import views

app_name = "core"

urlpatterns = [
    # Today is the home page; it belongs to the habits app.
    path("", habit_views.today, name="today"),
    path("offline/", views.offline, name="offline"),
    path("favicon.ico", views.favicon, name="favicon"),
]
