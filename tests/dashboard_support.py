"""Shared pieces of the dashboard's unit tests."""

from __future__ import annotations

from django.test import Client


def log_in(client: Client) -> Client:
    """Log in through /login as a Keystone admin (the fake Keystone issues the admin role)."""
    response = client.post("/login", {"username": "admin", "password": "secret"})
    assert response.status_code == 302, response.content
    return client
