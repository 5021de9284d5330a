"""Role checks for portal views: anonymous users go to sign-in, the wrong role gets 403."""

from collections.abc import Callable
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

View = Callable[..., HttpResponse]


def _role_required(allowed: Callable[[object], bool], description: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not allowed(request.user):
                # Rendered here rather than through a global 403.html, which the sandbox server would share.
                reason = f"This page is for {description} only."
                return render(request, "accounts/forbidden.html", {"reason": reason}, status=403)
            return view(request, *args, **kwargs)

        return wrapped

    return decorator


def _is_admin_of_a_firm(user) -> bool:
    return user.is_firm_admin and user.firm_id is not None


firm_admin_required = _role_required(_is_admin_of_a_firm, "firm administrators")
customer_success_required = _role_required(lambda user: user.is_customer_success, "MATTEROOM Customer Success")
