import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st

from validation.render.addresses import AddressMap, split_host_port

pytestmark = pytest.mark.unit


@pytest.mark.parametrize(
    ("address", "expected"),
    [
        ("gpu-node-7:9100", ("gpu-node-7", 9100)),
        ("prometheus", ("prometheus", None)),
        ("[::1]:9090", ("::1", 9090)),
        ("10.0.0.5:8080", ("10.0.0.5", 8080)),
        ("host:notaport", ("host:notaport", None)),
    ],
)
def test_split_host_port(address, expected):
    assert split_host_port(address) == expected


def test_mapping_keeps_the_configured_port_and_gives_each_host_its_own_address():
    addresses = AddressMap(block=77)
    a = addresses.map_address("gpu-node-1:9100")
    b = addresses.map_address("gpu-node-2:9100")
    assert a.endswith(":9100") and b.endswith(":9100")
    assert a != b
    assert addresses.map_address("gpu-node-1:9999") == a.replace(":9100", ":9999")


def test_mapping_is_case_insensitive_like_dns():
    addresses = AddressMap(block=77)
    assert addresses.address_of("Prometheus") == addresses.address_of("prometheus")


@given(
    st.lists(st.text(alphabet="abcdefghij-.0123456789", min_size=1, max_size=20), min_size=1, max_size=300)
)
def test_every_host_maps_inside_the_run_block_and_distinct_hosts_never_share(hosts):
    addresses = AddressMap(block=93)
    mapped = {h.lower(): addresses.address_of(h) for h in hosts}
    network = ipaddress.ip_network("127.93.0.0/16")
    assert all(ipaddress.ip_address(ip) in network for ip in mapped.values())
    assert len(set(mapped.values())) == len(mapped)
    assert addresses.blackhole not in mapped.values()


def test_parallel_runs_take_different_blocks():
    first = AddressMap.allocate()
    second = AddressMap.allocate()
    try:
        assert first.block != second.block
    finally:
        first.release()
        second.release()


def test_a_released_block_can_be_taken_again():
    first = AddressMap.allocate(preferred=200)
    block = first.block
    first.release()
    again = AddressMap.allocate(preferred=block)
    try:
        assert again.block == block
    finally:
        again.release()


def test_a_block_someone_listens_on_is_skipped_even_without_its_lock():
    import socket

    probe = AddressMap.allocate()
    block = probe.block
    probe.release()
    with socket.socket() as listener:
        listener.bind((f"127.{block}.0.9", 0))
        listener.listen()
        taken = AddressMap.allocate(preferred=block)
        try:
            assert taken.block != block
        finally:
            taken.release()
