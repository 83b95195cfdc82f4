"""Public addresses of the rights app, outside the logged-in request pages."""

from django.urls import path

from . import views

urlpatterns = [
    path("fees/", views.fee_schedule, name="fees"),
    path(
        "payments/webhook/<slug:provider>/",
        views.payment_webhook,
        name="payment_webhook",
    ),
]
