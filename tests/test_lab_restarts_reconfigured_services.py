"""`lab.py up` restarts a running service when what it runs with changed: the config stamp."""

from pathlib import Path

from tests.lab.lab import Service, config_stamp


def test_the_stamp_follows_the_files_a_service_names_and_nothing_else(tmp_path: Path) -> None:
    etc = tmp_path / "etc"
    (etc / "nova").mkdir(parents=True)
    (etc / "neutron").mkdir()
    nova_conf = etc / "nova" / "nova.conf"
    nova_conf.write_text("[DEFAULT]\n")
    (etc / "nova" / "nova-compute.conf").write_text("[DEFAULT]\n")
    (etc / "neutron" / "neutron.conf").write_text("[DEFAULT]\n")
    daemon = Service("pod1-nova-conductor", ["nova-conductor", "--config-file", str(nova_conf)])
    api = Service("pod1-nova-api", ["uwsgi"], env={"OS_NOVA_CONFIG_DIR": str(etc / "nova")})
    before = {service.name: config_stamp(service, etc) for service in (daemon, api)}

    (etc / "neutron" / "neutron.conf").write_text("[DEFAULT]\ndebug = true\n")
    (etc / "nova" / "nova-compute.conf").write_text("[DEFAULT]\ndebug = true\n")
    assert config_stamp(daemon, etc) == before[daemon.name]
    assert config_stamp(api, etc) != before[api.name]  # the whole folder is its configuration

    nova_conf.write_text("[DEFAULT]\nallow_resize_to_same_host = true\n")
    assert config_stamp(daemon, etc) != before[daemon.name]
    moved = Service(daemon.name, [*daemon.argv, "--debug"])
    assert config_stamp(moved, etc) != config_stamp(daemon, etc)
