from django.urls import path

from . import views, webhook_views

app_name = "billing"

urlpatterns = [
    path("", views.billing, name="billing"),
    path("pricing/", views.pricing, name="pricing"),
    path("checkout/", views.checkout, name="checkout"),
    path("portal/", views.portal, name="portal"),
    path("success/", views.success, name="success"),
    path("cancel/", views.cancel, name="cancel"),
    path("webhook/", webhook_views.webhook, name="webhook"),
]
