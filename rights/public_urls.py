"""Public addresses of the rights app, outside the logged-in request pages."""

from django.urls import path

from . import views
from .disclosure import views as disclosure_views

urlpatterns = [
    path("fees/", views.fee_schedule, name="fees"),
    path(
        "downloads/<str:token>/",
        disclosure_views.package_download,
        name="disclosure_download",
    ),
    path(
        "payments/webhook/<slug:provider>/",
        views.payment_webhook,
        name="payment_webhook",
    ),
]
