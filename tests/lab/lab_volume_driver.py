"""The lab pods' Cinder volume driver (runs inside cinder-volume, from the lab's virtualenv).

Cinder's FakeLoggingVolumeDriver makes volumes without storage, but a volume from an image, an
extend and an upload to an image fail in it: they reach for `qemu-img` through privsep and
sudo, and for LVM. A cloud's users expect all three to work, so this driver answers them as a
backend with copy-on-write images does (Ceph RBD): a volume from an image is a clone of the
image, an extend only changes the size. The volumes hold no data, so an upload stores a small
empty image in the format asked for (made by `qemu-img`: Glance checks that the data is in the
format the image says)."""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path
from typing import Any

from cinder.tests.fake_driver import FakeLoggingVolumeDriver


class LabVolumeDriver(FakeLoggingVolumeDriver):
    def clone_image(
        self, context: Any, volume: Any, image_location: Any, image_meta: Any, image_service: Any
    ) -> tuple[dict, bool]:
        return {}, True

    def extend_volume(self, volume: Any, new_size: int) -> None:
        return None

    def copy_volume_to_image(
        self, context: Any, volume: Any, image_service: Any, image_meta: dict
    ) -> None:
        disk_format = image_meta.get("disk_format") or "raw"
        with tempfile.TemporaryDirectory() as folder:
            image = Path(folder) / "image"
            subprocess.run(
                ["qemu-img", "create", "-q", "-f", disk_format, str(image), "1M"],
                check=True,
                timeout=60,
            )
            with image.open("rb") as data:
                image_service.update(context, image_meta["id"], {}, data)
