"""Public addresses of requests without an account, under /requests/."""

from django.urls import path

from . import agent_views, follow_receipt, start_views, views

app_name = "identity"

urlpatterns = [
    path("start/", start_views.start, name="start"),
    path("start/code/", start_views.code, name="code"),
    path("start/request/", start_views.request_form, name="form"),
    path("start/done/", start_views.done, name="done"),
    path("follow/<str:token>/", views.follow, name="follow"),
    path("follow/<str:token>/download/", views.follow_download, name="follow_download"),
    path("follow/<str:token>/receipt/", follow_receipt.follow_receipt, name="follow_receipt"),
    path("follow/<str:token>/withdraw/", views.follow_withdraw_view, name="follow_withdraw"),
    path("confirm-agent/<str:token>/", agent_views.confirm_agent, name="confirm_agent"),
]
