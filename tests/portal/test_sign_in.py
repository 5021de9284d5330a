"""Sign-in with email and password, sign-out, and where home sends each role."""

import pytest
from django.template.loader import render_to_string
from django.urls import reverse

from tests.portal.conftest import PASSWORD


def test_sign_in_page_asks_for_email(client, db):
    response = client.get(reverse("accounts:login"))

    assert response.status_code == 200
    body = response.content.decode()
    assert 'id="id_email"' in body
    assert 'id="id_password"' in body


def test_sign_in_with_email_goes_home(client, admin_user):
    response = client.post(
        reverse("accounts:login"), {"username": "Avery.Admin@harborvale.test", "password": PASSWORD}
    )

    assert response.status_code == 302
    assert response.url == reverse("home")
    assert client.get(reverse("home")).url == reverse("destinations:page")


def test_sign_in_wrong_password_explains(client, admin_user):
    response = client.post(reverse("accounts:login"), {"username": admin_user.email, "password": "wrong"})

    assert response.status_code == 200
    assert "The email address or password is not correct" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_sign_out_needs_post(admin_client):
    assert admin_client.get(reverse("accounts:logout")).status_code == 405

    response = admin_client.post(reverse("accounts:logout"))

    assert response.status_code == 302
    assert "_auth_user_id" not in admin_client.session


def test_home_anonymous_goes_to_sign_in(client, db):
    response = client.get(reverse("home"))

    assert response.status_code == 302
    assert response.url == reverse("accounts:login")


def test_home_customer_success_goes_to_console(cs_client):
    assert cs_client.get(reverse("home")).url == reverse("activation:console")


def test_home_timekeeper_goes_to_time_entries(timekeeper_client):
    response = timekeeper_client.get(reverse("home"))

    # The time entries list belongs to another app: follow the redirect if it exists, else a plain page.
    if response.status_code == 302:
        assert response.url.startswith("/time/")
    else:
        assert response.status_code == 200
        assert "Time entries" in response.content.decode()


@pytest.mark.parametrize(
    ("user_fixture", "present", "absent"),
    [
        ("admin_user", ["nav-destination", "nav-time-entries"], ["nav-customer-success"]),
        ("timekeeper", ["nav-time-entries"], ["nav-destination", "nav-customer-success"]),
        ("cs_user", ["nav-customer-success"], ["nav-destination", "nav-time-entries"]),
    ],
)
def test_navigation_by_role(request, rf, user_fixture, present, absent):
    page_request = rf.get("/")
    page_request.user = request.getfixturevalue(user_fixture)

    page = render_to_string("base.html", request=page_request)

    for element_id in present:
        assert f'id="{element_id}"' in page
    for element_id in absent:
        assert f'id="{element_id}"' not in page


def test_top_bar_shows_firm_name(admin_client, firm):
    page = admin_client.get(reverse("destinations:page")).content.decode()

    assert f'<span class="firm-name" id="firm-name">{firm.name}</span>' in page
