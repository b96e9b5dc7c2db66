from django.urls import re_path

from gateway.network_views import NetworkGatewayView

urlpatterns = [
    re_path(r"^networking/?(?P<path>.*)$", NetworkGatewayView.as_view()),
]
