from django.urls import path

from . import file_views, views, views_search

app_name = "quests"

urlpatterns = [
    path("", views.index, name="index"),
    path("search/", views_search.quest_search, name="search"),
    path("<int:pk>/attachments/", file_views.upload, name="attachment-upload"),
    path("<int:pk>/attachments/<int:attachment_id>/", file_views.download, name="attachment"),
    path("<int:pk>/attachments/<int:attachment_id>/thumbnail/", file_views.thumbnail, name="attachment-thumbnail"),
    path("<int:pk>/attachments/<int:attachment_id>/delete/", file_views.delete, name="attachment-delete"),
]
