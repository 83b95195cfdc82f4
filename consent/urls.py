from django.urls import path

from . import views

app_name = "consent"

urlpatterns = [
    path("privacy/", views.privacy, name="privacy"),
    path("services/<slug:code>/", views.service_page, name="service_page"),
    path("consent/", views.dashboard, name="dashboard"),
    path("consent/policy/", views.policy, name="policy"),
]
