"""The lab pods' Nova virt driver (runs inside nova-compute, from the lab's virtualenv).

Nova's fake driver boots servers without a hypervisor, but two things users rely on never
finish in it: a server snapshot (`createImage`) leaves its image queued for ever, because the
driver uploads nothing, and a hypervisor's uptime is not implemented; its console log has three
lines, shorter than any guest's. This driver answers as a real hypervisor would: a snapshot
uploads a small image in the raw format (made by `qemu-img`: Glance checks that the data is in
the format the image says), the uptime is the machine's, the console log a guest's boot."""

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

    def get_console_output(self, context: Any, instance: Any) -> str:
        return "\n".join(
            [
                f"[    0.000000] Linux version 6.1.0 (lab) booting {instance.uuid}",
                "[    0.120000] Command line: console=ttyS0",
                "[    0.480000] Memory: 126976K available",
                "[    1.020000] virtio_net virtio0 eth0: link up",
                "[    1.800000] EXT4-fs (vda1): mounted filesystem",
                "Starting network: udhcpc: lease obtained",
                f"{instance.hostname} login: ",
            ]
        )

    def get_host_uptime(self) -> str:
        return subprocess.run(["uptime"], capture_output=True, text=True, check=True).stdout
