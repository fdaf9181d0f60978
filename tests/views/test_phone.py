"""The phone's join page."""

import pytest


@pytest.mark.django_db
def test_the_join_page_needs_no_login(client):
    response = client.get("/play/")
    assert response.status_code == 200
    html = response.content.decode()
    assert 'inputmode="numeric"' in html
    assert 'id="nickname-input"' in html
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in html


@pytest.mark.django_db
def test_the_pin_is_prefilled_from_the_url(client):
    html = client.get("/play/123456/").content.decode()
    assert 'data-pin="123456"' in html
    assert 'value="123456"' in html


@pytest.mark.django_db
def test_a_malformed_pin_in_the_url_is_404(client):
    assert client.get("/play/12ab56/").status_code == 404
    assert client.get("/play/1234567/").status_code == 404


@pytest.mark.django_db
def test_the_phone_page_loads_its_scripts_from_this_server(client):
    html = client.get("/play/").content.decode()
    assert '<script src="/static/js/common.js"></script>' in html
    assert '<script src="/static/js/phone.js"></script>' in html
