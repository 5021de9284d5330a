"""The Django admin site shows connections without their client secret or tokens."""

from django.urls import reverse

from mira.accounts.models import User
from tests.portal.conftest import make_connected

SECRETS = ["s3cret-VALUE-never-shown-42", "access-token-VALUE-never-shown", "refresh-token-VALUE-never-shown"]


def test_admin_site_hides_secrets(client, firm):
    superuser = User.objects.create_superuser("root@matteroom.test", "a long enough password")
    client.force_login(superuser)
    connection = make_connected(firm)

    pages = [
        client.get(reverse("admin:destinations_clioconnection_changelist")),
        client.get(reverse("admin:destinations_clioconnection_change", args=[connection.pk])),
        client.get(reverse("admin:destinations_clioconnection_add")),
    ]

    for page in pages:
        assert page.status_code == 200
        body = page.content.decode()
        for secret in SECRETS:
            assert secret not in body
        assert 'name="client_secret"' not in body
        assert 'name="access_token"' not in body
        assert 'name="refresh_token"' not in body
    assert "••••••••42" in pages[1].content.decode()


def test_admin_site_user_pages_render(client, firm, admin_user):
    superuser = User.objects.create_superuser("root@matteroom.test", "a long enough password")
    client.force_login(superuser)

    assert client.get(reverse("admin:accounts_user_changelist")).status_code == 200
    assert client.get(reverse("admin:accounts_user_change", args=[admin_user.pk])).status_code == 200
    assert client.get(reverse("admin:accounts_user_add")).status_code == 200
    assert client.get(reverse("admin:accounts_firm_change", args=[firm.pk])).status_code == 200
