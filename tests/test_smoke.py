import pytest
from django.conf import settings


@pytest.mark.django_db
def test_settings_use_test_data_dir():
    assert "mira-tests-" in str(settings.DATA_DIR)
