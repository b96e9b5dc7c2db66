"""The operator dashboard: its own app on the top floor (pages.py, topology.py, urls.py), over
the service functions of pods, routing, jobs and networking. Nothing imports it but
tricircle_site.urls."""
