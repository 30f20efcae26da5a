from django.urls import path

from . import file_views, views, views_search

app_name = "quests"

urlpatterns = [
    path("", views.index, name="index"),
    path("new/", views.create, name="create"),
    path("xp-suggestion/", views.xp_suggestion, name="xp-suggestion"),
    path("templates/", views.template_list, name="templates"),
    path("templates/<int:template_pk>/start/", views.from_template, name="from-template"),
    path("templates/<int:template_pk>/delete/", views.delete_template, name="delete-template"),
    path("<int:pk>/", views.detail, name="detail"),
    path("<int:pk>/edit/", views.edit, name="edit"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/status/", views.act, name="act"),
    path("<int:pk>/move/", views.move, name="move"),
    path("<int:pk>/objectives/<int:objective_pk>/", views.objective, name="objective"),
    path("<int:pk>/dependencies/", views.add_dependency, name="add-dependency"),
    path("<int:pk>/dependencies/<int:other_pk>/remove/", views.remove_dependency, name="remove-dependency"),
    path("<int:pk>/save-template/", views.save_template, name="save-template"),
    path("search/", views_search.quest_search, name="search"),
    path("<int:pk>/attachments/", file_views.upload, name="attachment-upload"),
    path("<int:pk>/attachments/<int:attachment_id>/", file_views.download, name="attachment"),
    path("<int:pk>/attachments/<int:attachment_id>/thumbnail/", file_views.thumbnail, name="attachment-thumbnail"),
    path("<int:pk>/attachments/<int:attachment_id>/delete/", file_views.delete, name="attachment-delete"),
]
