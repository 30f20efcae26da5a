from django.urls import path

from . import views

app_name = "habits"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("deleted/", views.deleted, name="deleted"),
    path("export.csv", views.export_csv, name="export-csv"),
    path("export.json", views.export_json, name="export-json"),
    path("import/", views.import_json, name="import"),
    path("pillars/", views.pillars, name="pillars"),
    path("pillars/<int:pk>/", views.pillar_edit, name="pillar-edit"),
    path("pillars/<int:pk>/delete/", views.pillar_delete, name="pillar-delete"),
    path("pillars/<int:pk>/move/", views.pillar_move, name="pillar-move"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/status/", views.change_status, name="status"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/restore/", views.restore, name="restore"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/suggestion/", views.apply_suggestion, name="apply-suggestion"),
    path("<int:pk>/log/<str:on>/", views.log, name="log"),
    path("<int:pk>/day/", views.pick_day, name="day-pick"),
    path("<int:pk>/day/<str:on>/", views.day, name="day"),
    path("<int:pk>/start/", views.move_start, name="move-start"),
]
