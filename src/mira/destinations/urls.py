from django.urls import path

from mira.destinations import views

app_name = "destinations"
urlpatterns = [
    path("", views.destination_page, name="page"),
    path("clio/module/", views.clio_module, name="clio_module"),
    path("clio/add-to-clio/", views.add_to_clio, name="add_to_clio"),
    path("clio/sync/", views.sync_now, name="sync_now"),
    path("clio/disconnect/", views.disconnect, name="disconnect"),
]
