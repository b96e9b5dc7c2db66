"""The lab pods' Nova virt driver (runs inside nova-compute, from the lab's virtualenv).

Nova's fake driver boots servers without a hypervisor, but two things users rely on never
finish in it: a server snapshot (`createImage`) leaves its image queued for ever, because the
driver uploads nothing, and a hypervisor's uptime is not implemented. This driver answers both
as a real hypervisor would: a snapshot uploads a small image in the raw format (made by
`qemu-img`: Glance checks that the data is in the format the image says), and the uptime is
the machine's."""

from __future__ import annotations

import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from nova.image import glance
from nova.virt.fake import FakeDriverWithoutFakeNodes


class LabComputeDriver(FakeDriverWithoutFakeNodes):
    def snapshot(
        self, context: Any, instance: Any, image_id: str, update_task_state: Callable
    ) -> None:
        super().snapshot(context, instance, image_id, update_task_state)
        container_format = "bare"
        if instance.image_meta.obj_attr_is_set("container_format"):
            container_format = instance.image_meta.container_format
        metadata = {
            "status": "active",
            "disk_format": "raw",
            "container_format": container_format,
            "properties": {"image_location": "snapshot", "owner_id": instance.project_id},
        }
        with tempfile.TemporaryDirectory() as folder:
            image = Path(folder) / "image"
            subprocess.run(
                ["qemu-img", "create", "-q", "-f", "raw", str(image), "1M"],
                check=True,
                timeout=60,
            )
            with image.open("rb") as data:
                glance.API().update(context, image_id, metadata, data, purge_props=False)

    def get_host_uptime(self) -> str:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout
