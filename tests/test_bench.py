"""The benchmark is a script (`python -m bench`), not a timed test: here only that it imports,
that its "ok" floor is a login-required page like the ones it is compared with, and its table."""

from __future__ import annotations

from bench.__main__ import table


def test_it_imports_every_bench_module():
    import bench.figures
    import bench.measure
    import bench.servers
    import bench.settings  # noqa: F401


def test_it_serves_the_ok_floor_to_signed_in_users_only(client, alice, settings):
    settings.ROOT_URLCONF = "bench.urls"
    assert client.get("/bench/ok").status_code == 302
    client.force_login(alice)
    response = client.get("/bench/ok")
    assert response.status_code == 200 and response.content == b"ok"


def test_it_marks_a_missed_budget_in_its_table():
    text = table([("fast", "1 ms", "≤ 2 ms", True), ("slow", "3 ms", "≤ 2 ms", False)])
    lines = text.splitlines()
    assert lines[0].startswith("figure") and lines[2].endswith("ok") and lines[3].endswith("MISSED")
