from django.urls import path

from mira.accounts import views

app_name = "accounts"
urlpatterns = [
    path("sign-in/", views.SignInView.as_view(), name="login"),
    path("sign-out/", views.SignOutView.as_view(), name="logout"),
    path("time-entries/", views.time_entries, name="time_entries"),
]
