from django.urls import path

from mira.activation import views

app_name = "activation"
urlpatterns = [
    path("", views.console, name="console"),
    path("notify/", views.notify, name="notify"),
    path("firms/<int:firm_id>/go-live/", views.go_live, name="go_live"),
]
