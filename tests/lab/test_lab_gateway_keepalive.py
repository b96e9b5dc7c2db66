"""Clients keep connections to the gateway open between calls (openstacksdk, the CLI's session):
one idle for a few seconds must still serve the next request."""

import http.client
import time
from urllib.parse import urlsplit


def test_a_connection_idle_for_seconds_serves_the_next_request(lab, tricircle):
    address = urlsplit(lab["tricircle_url"])
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=30)
    try:
        for _ in range(2):
            connection.request("GET", "/compute/")
            response = connection.getresponse()
            response.read()
            assert response.status == 200
            assert response.getheader("Connection", "").lower() != "close"
            time.sleep(3)  # longer than gunicorn's default keep-alive (2 s)
    finally:
        connection.close()
