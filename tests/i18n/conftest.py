"""Fixtures of the French pages' tests."""

import pytest

from tests.i18n.test_i18n_workflow_pages import composer_form


@pytest.fixture
def french_pages(practitioner_pages):
    """The practitioner, who chose French on their account."""
    practitioner_pages.post("/language", {"language": "fr", "next": "/account"})
    return practitioner_pages


@pytest.fixture
def cocktail_url(french_pages):
    response = french_pages.post("/cocktails/new", composer_form())
    assert response.status_code == 302
    return response.headers["Location"]
