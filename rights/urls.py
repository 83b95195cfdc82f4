from django.urls import path

from . import views
from .requesters import views as identity_views

app_name = "rights"

urlpatterns = [
    path("", views.request_list, name="request_list"),
    path("new/", views.request_new, name="request_new"),
    path("new/<slug:kind>/", views.request_create, name="request_create"),
    path("<id:pk>/", views.request_detail, name="request_detail"),
    path("<id:pk>/withdraw/", views.request_withdraw, name="request_withdraw"),
    path("<id:pk>/receipt/", views.receipt, name="receipt"),
    path(
        "<id:pk>/messages/<id:message_pk>/attachment/",
        views.attachment_download,
        name="attachment",
    ),
    path(
        "<id:pk>/documents/<id:document_pk>/",
        identity_views.document_download,
        name="identity_document",
    ),
]
