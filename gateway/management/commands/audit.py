from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from gateway.audit import run
from gateway.models import AuditClass, AuditRun
from tricircle_site.exceptions import NotFound

CLASSES = [choice.value for choice in AuditClass]


class Command(BaseCommand):
    help = (
        "Audit the pods now (in this process) and print, per pod and class, what differs from "
        "the top and the routing table; --repair mends the classes of --classes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--pod", help="a pod's region name or id (default: every pod)")
        parser.add_argument("--repair", action="store_true", help="repair what was found")
        parser.add_argument(
            "--classes",
            help="classes to repair, comma separated (default: TRICIRCLE_AUDIT_REPAIR_CLASSES)",
        )
        parser.add_argument("--findings", action="store_true", help="list every finding")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            pods = [run.find_pod(options["pod"])] if options["pod"] else run.audited_pods()
        except NotFound as exc:
            raise CommandError(str(exc)) from exc
        classes: list[str] = []
        if options["repair"]:
            classes = (
                [name.strip() for name in options["classes"].split(",") if name.strip()]
                if options["classes"]
                else list(settings.AUDIT_REPAIR_CLASSES)
            )
            # Unknown resources are never touched; other names are no class at all.
            refused = (set(classes) - set(CLASSES)) | ({AuditClass.UNKNOWN.value} & set(classes))
            if refused:
                raise CommandError(f"Cannot repair {', '.join(sorted(refused))}.")
        self.stdout.write(
            f"{'POD':<16} {'STATUS':<8} {'CALLS':>6} "
            + " ".join(f"{name.upper():>15}" for name in CLASSES)
            + "  REPAIRED"
        )
        for pod in pods:
            self._row(run.run_pod_audit(pod, classes), options["findings"])

    def _row(self, audit: AuditRun, findings: bool) -> None:
        totals = {name: sum(types.values()) for name, types in audit.counts.items()}
        repaired = audit.findings.exclude(status="open").count()
        self.stdout.write(
            f"{audit.pod.region_name:<16} {audit.status:<8} {audit.api_calls:>6} "
            + " ".join(f"{totals.get(name, 0):>15}" for name in CLASSES)
            + f"  {repaired}"
            + (f"  ({audit.note})" if audit.note else "")
        )
        if findings:
            for item in audit.findings.order_by("audit_class", "resource_type", "id"):
                self.stdout.write(
                    f"  {item.audit_class:<15} {item.resource_type:<15} "
                    f"{item.top_id or '-':<38} {item.bottom_id or '-':<38} {item.status:<16} "
                    f"{item.detail}"
                )
