from django.urls import path

from . import views

app_name = "goals"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/links/", views.link, name="link"),
    path("<int:pk>/links/<int:habit_pk>/remove/", views.unlink, name="unlink"),
    path("<int:pk>/entries/", views.add_entry, name="add-entry"),
]
