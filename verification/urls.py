"""URLs of the verification app, mounted at /verify/ by habitstory/urls.py."""

from django.urls import path

from . import review_views, views

app_name = "verification"

urlpatterns = [
    path("<int:habit_id>/<str:on>/", views.capture, name="capture"),
    path("media/<int:pk>/", views.media_view, name="media"),
    path("review/", review_views.review, name="review"),
    path("review/opt-in/", review_views.opt_in, name="review-opt-in"),
    path("review/opt-out/", review_views.opt_out, name="review-opt-out"),
    path("review/next/", review_views.claim, name="review-next"),
    path("review/<int:review_id>/decide/", review_views.decide, name="review-decide"),
    path("review/<int:review_id>/pass/", review_views.pass_review, name="review-pass"),
]
