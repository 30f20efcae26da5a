from django.contrib import admin
from django.urls import include, path, re_path

from habitstory.api.api import api
from habitstory.api.api import not_found as api_not_found
from habitstory.core import views as core_views
from habitstory.story import views as story_views

admin.site.site_header = "HabitStory admin"
admin.site.site_title = "HabitStory admin"

urlpatterns = [
    path("", include("habitstory.core.urls")),
    path("healthz", core_views.healthz, name="healthz"),
    path("manifest.webmanifest", core_views.manifest, name="manifest"),
    path("sw.js", core_views.service_worker, name="service-worker"),
    path("accounts/", include("allauth.urls")),
    path("profile/", include("habitstory.accounts.urls")),
    path("profile/tokens/", include("habitstory.api.urls")),
    path("habits/", include("habits.urls")),
    path("goals/", include("goals.urls")),
    path("quests/", include("quests.urls")),
    path("archetypes/", include("archetypes.urls")),
    path("verify/", include("verification.urls")),
    path("insights/", include("habitstory.insights.urls")),
    path("rewards/", include("gamification.urls")),
    path("inbox/", include("habitstory.notifications.urls")),
    path("billing/", include("habitstory.billing.urls")),
    path("search/", story_views.search, name="search"),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),  # any other path under /api/: a JSON 404 too
    path("admin/", admin.site.urls),
]

# MEDIA_ROOT is never served, not even with DEBUG on: uploaded files are private
# (quests.file_views serves each to its owner).

handler404 = "habitstory.core.views.page_not_found"
handler500 = "habitstory.core.views.server_error"
