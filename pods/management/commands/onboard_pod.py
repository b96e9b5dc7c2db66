from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from pods import services
from pods.models import Pod
from tricircle_site.exceptions import TricircleError


class Command(BaseCommand):
    help = (
        "Add a pod: checks that the Keystone region exists and that its compute, network and "
        "volume endpoints are in the catalog and answer, then registers it."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("region_name", help="Keystone region of the pod, e.g. Pod1")
        parser.add_argument("--az", dest="az_name", required=True, help="Tricircle AZ, e.g. az1")
        parser.add_argument("--pod-az-name", default="", help="AZ name inside the pod")
        parser.add_argument("--dc-name", default="", help="data centre, for operators")
        parser.add_argument(
            "--transport-url",
            default="",
            help="the message bus of the pod's Neutron (rabbit://user:password@host:5672/vhost): "
            "lets Tricircle tell it the other pods' VXLAN tunnel endpoints",
        )
        parser.add_argument(
            "--if-missing", action="store_true", help="succeed quietly if the pod exists"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        region = options["region_name"]
        existing = Pod.objects.filter(region_name=region).first()
        if existing and options["if_missing"]:
            self.stdout.write(f"Pod {region} already registered ({existing.id}).")
            return
        try:
            pod, latencies = services.onboard_pod(
                region,
                options["az_name"],
                options["pod_az_name"],
                options["dc_name"],
                options["transport_url"],
            )
        except TricircleError as exc:
            raise CommandError(exc.message) from exc
        for service_type, latency in latencies.items():
            self.stdout.write(f"  {service_type}: answers in {latency:.0f} ms")
        self.stdout.write(
            self.style.SUCCESS(f"Pod {pod.region_name} onboarded in {pod.az_name} ({pod.id}).")
        )
