from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from pods import services
from pods.models import Pod


class Command(BaseCommand):
    help = "List the pods with their health (checked now unless --no-check)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--no-check", action="store_true", help="show the last recorded health")

    def handle(self, *args: Any, **options: Any) -> None:
        pods = list(Pod.objects.order_by("az_name", "region_name"))
        if not pods:
            self.stdout.write("No pods. Add one with: manage.py onboard_pod REGION --az AZ")
            return
        header = f"{'REGION':<16} {'AZ':<10} {'ENABLED':<8} {'HEALTH':<9} {'LATENCY':>9}  ERROR"
        self.stdout.write(header)
        for pod in pods:
            if not options["no_check"]:
                services.check_pod(pod)
            latency = f"{pod.last_latency_ms:.0f} ms" if pod.last_latency_ms is not None else "-"
            self.stdout.write(
                f"{pod.region_name:<16} {pod.az_name or '(top)':<10} {pod.enabled!s:<8} "
                f"{pod.health_status:<9} {latency:>9}  {pod.last_error}"
            )
