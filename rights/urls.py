from django.urls import path

from . import views
from .identity import views as identity_views

app_name = "rights"

urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("new/", views.request_new, name="request_new"),
    path("new/<slug:kind>/", views.request_create, name="request_create"),
    path("<int:pk>/", views.request_detail, name="request_detail"),
    path("<int:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("<int:pk>/receipt/", views.receipt, name="receipt"),
    path(
        "<int:pk>/messages/<int:message_pk>/attachment/",
        views.attachment_download,
        name="attachment",
    ),
    path(
        "<int:pk>/documents/<int:document_pk>/",
        identity_views.document_download,
        name="identity_document",
    ),
]
