"""The site's URLs plus one button that runs into a plan limit (test_middleware.py)."""

from django.urls import path

from habitstory.billing.limits import PlanLimitReached
from habitstory.urls import urlpatterns as site


def restore(request):
    raise PlanLimitReached("habits", 10, 10)


urlpatterns = [path("test/restore/", restore), *site]
