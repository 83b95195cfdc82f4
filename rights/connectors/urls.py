"""Public addresses of the connectors: callbacks and confirmation links."""

from django.urls import path

from . import views

app_name = "connectors"

urlpatterns = [
    path("callback/<uuid:key>/", views.callback, name="callback"),
    path("confirm/<str:token>/", views.confirm, name="confirm"),
]
