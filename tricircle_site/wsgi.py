"""WSGI entry point: the Django application always wrapped by keystonemiddleware's auth_token,
so no deployment can serve the APIs without token validation."""

import os

from django.conf import settings
from django.core.wsgi import get_wsgi_application
from keystonemiddleware import auth_token

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "tricircle_site.settings")

django_application = get_wsgi_application()


def _wrap(app: object) -> object:
    return auth_token.AuthProtocol(app, dict(settings.KEYSTONE_AUTHTOKEN))


application = _wrap(django_application)
