"""The pods' sessions read the environment once: with no proxy configured, requests is told not
to look again on every call (proxies, .netrc, CA bundle: a third of a call's CPU), and a CA
bundle given by the environment is still the one verified against. With a proxy configured,
requests keeps reading it (and its NO_PROXY exceptions) as it does."""

import pytest

from pods.clients import clients

pytestmark = pytest.mark.django_db
PROXY_VARIABLES = (
    "http_proxy",
    "https_proxy",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "all_proxy",
    "ALL_PROXY",
)


@pytest.fixture
def no_proxy(monkeypatch):
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    clients.cache_clear()  # sessions are made once per process: these are made here
    yield
    clients.cache_clear()


def test_without_a_proxy_the_environment_is_read_once(no_proxy, monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/pods-ca.pem")
    session = clients().session("Pod1")
    assert session.session.trust_env is False
    assert session.verify == "/etc/pods-ca.pem"


def test_without_a_ca_bundle_the_system_one_is_verified_against(no_proxy, monkeypatch):
    monkeypatch.delenv("REQUESTS_CA_BUNDLE", raising=False)
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert clients().session("Pod1").verify is True


def test_with_a_proxy_requests_reads_the_environment(no_proxy, monkeypatch):
    monkeypatch.setenv("https_proxy", "http://proxy.test:3128")
    assert clients().session("Pod1").session.trust_env is True
