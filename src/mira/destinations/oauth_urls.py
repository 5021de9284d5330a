from django.urls import path

from mira.destinations import oauth_views

app_name = "oauth"
urlpatterns = [
    path("callback", oauth_views.oauth_callback, name="callback"),
]
