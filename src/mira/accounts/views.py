"""Sign-in, sign-out and the home page that sends each role to its own start page."""

import logging

from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse

from mira.accounts.forms import EmailAuthenticationForm

logger = logging.getLogger(__name__)


class SignInView(auth_views.LoginView):
    template_name = "accounts/sign_in.html"
    authentication_form = EmailAuthenticationForm
    redirect_authenticated_user = True


class SignOutView(auth_views.LogoutView):
    http_method_names = ["post", "options"]


def home(request: HttpRequest) -> HttpResponse:
    """Send each user to the start page of their role."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")

    if request.user.is_customer_success:
        return redirect("activation:console")

    if request.user.is_firm_admin and request.user.firm_id is not None:
        return redirect("destinations:page")

    return time_entries(request)


@login_required
def time_entries(request: HttpRequest) -> HttpResponse:
    """Redirect to the time entries list, or explain that it is not available yet."""
    try:
        url = reverse("timeentries:list")
    except NoReverseMatch:
        # The time entries pages live in another app; until it is installed, say so instead of a 500.
        logger.warning("time entries page missing: timeentries:list is not defined")
        return render(request, "accounts/time_entries_unavailable.html", status=200)

    return redirect(url)
