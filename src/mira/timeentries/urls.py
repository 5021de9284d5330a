from django.urls import path

from mira.timeentries import views

app_name = "timeentries"
urlpatterns = [
    path("", views.entry_list, name="list"),
    path("new/", views.entry_create, name="create"),
    path("<int:pk>/edit/", views.entry_edit, name="edit"),
    path("<int:pk>/delete/", views.entry_delete, name="delete"),
    path("<int:pk>/approve/", views.entry_approve, name="approve"),
    path("<int:pk>/return-to-draft/", views.entry_return_to_draft, name="return_to_draft"),
]
