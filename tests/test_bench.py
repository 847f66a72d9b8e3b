"""The benchmark is a script (`python -m bench`), not a timed test. Here: that its yardstick is
the bare stack the budgets are defined against, that ratios are taken against the yardstick
runs beside each page, that its page checks refuse what is not the page, and its tables."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench import figures, measure, report, throughput
from calls.simulator import SEED_COMPANIES, Simulator

ROOT = Path(__file__).resolve().parent.parent

YARDSTICK_PROBE = """
import json
import django
django.setup()
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
call_command("migrate", verbosity=0)
user = get_user_model().objects.create_user("probe", password=None)
client = Client(HTTP_HOST="127.0.0.1")
anonymous = client.get("/ok")
client.force_login(user)
signed_in = client.get("/ok")
print(json.dumps({
    "anonymous": [anonymous.status_code, anonymous.get("Location", "")],
    "signed_in": [signed_in.status_code, signed_in.content.decode()],
    "middleware": settings.MIDDLEWARE,
    "apps": settings.INSTALLED_APPS,
    "session_engine": settings.SESSION_ENGINE,
    "database": settings.DATABASES["default"]["NAME"],
    "conn_max_age": settings.DATABASES["default"]["CONN_MAX_AGE"],
}))
"""


def test_it_imports_every_bench_module():
    import bench.__main__
    import bench.seed
    import bench.servers
    import bench.tenants
    import bench.yardstick.urls  # noqa: F401


def test_it_measures_against_the_bare_stack_under_its_own_settings(tmp_path):
    database = tmp_path / "db.sqlite3"
    env = {
        "PATH": "/usr/bin:/bin",
        "DJANGO_SETTINGS_MODULE": "bench.yardstick.settings",
        "PHONEDASH_SECRET_KEY": "x" * 50,
        "PHONEDASH_DEBUG": "0",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    result = subprocess.run(
        [sys.executable, "-c", YARDSTICK_PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["anonymous"][0] == 302 and probe["anonymous"][1].startswith("/accounts/login/")
    assert probe["signed_in"] == [200, "ok"]
    # Django's own session, auth and login check: none of the dashboard's middleware or apps.
    assert probe["middleware"] == [
        "django.contrib.sessions.middleware.SessionMiddleware",
        "django.contrib.auth.middleware.AuthenticationMiddleware",
        "django.contrib.auth.middleware.LoginRequiredMiddleware",
    ]
    assert "calls" not in probe["apps"]
    assert probe["session_engine"] == "django.contrib.sessions.backends.db"
    # The dashboard's database settings: the same file, a connection per request.
    assert probe["database"] == str(database) and probe["conn_max_age"] == 0


class FakePage(throughput.Page):
    """A page whose wrk runs give the rates it is told, in order, and log when they ran."""

    def __init__(self, name: str, rates: list[float], log: list[str]) -> None:
        super().__init__(name, SimpleNamespace(url="http://bench"), "/", "", lambda r: None, None)
        self.planned, self.log = list(rates), log

    def verify(self) -> None:
        self.log.append(f"verify {self.name}")

    def load(self) -> measure.Load:
        self.log.append(self.name)
        rate = self.planned.pop(0)
        self.rates.append(rate)
        return measure.Load(int(rate * 5), 5.0, 0)


def test_it_divides_each_page_by_the_yardstick_runs_around_it(monkeypatch):
    monkeypatch.setattr(measure, "wrk", lambda url, cookie, seconds=5: None)
    log: list[str] = []
    ok = FakePage("ok", [100, 300, 200, 400, 100], log)
    first, second = FakePage("a", [50, 100], log), FakePage("b", [20, 200], log)
    throughput.measure_rounds(ok, [first, second], rounds=2)
    runs = [entry for entry in log if not entry.startswith("verify")]
    # Every page run between two of the yardstick's; the pages' order alternates.
    assert runs == ["ok", "a", "ok", "b", "ok", "b", "ok", "a", "ok"]
    assert first.ratios == [50 / 200, 100 / 250]
    assert second.ratios == [20 / 250, 200 / 300]
    assert log[:3] == ["verify ok", "verify a", "verify b"] and log[-1] == "verify b"


def response(text: str = "", content_type: str = "text/html; charset=utf-8"):
    return SimpleNamespace(text=text, content=text.encode(), headers={"Content-Type": content_type})


def test_it_refuses_what_is_not_the_page():
    row = f"<span {measure.ROW_MARK} x</span>"
    assert throughput.list_check(response(row * 50)) is None
    assert "49" in throughput.list_check(response(row * 49))
    assert throughput.text_check("ok")(response("ok", "text/plain")) is None
    assert throughput.text_check("ok")(response("<html>sign in", "text/plain"))
    check = throughput.html_check('id="board"')
    assert check(response('<section id="board">')) is None
    assert check(response("<form>sign in</form>"))
    assert check(response('id="board"', "application/json"))
    csv_text = "a,b\r\n" + "1,2\r\n" * 50
    assert throughput.csv_check(response(csv_text, "text/csv")) is None
    assert "49" in throughput.csv_check(response("a,b\r\n" + "1,2\r\n" * 49, "text/csv"))
    assert throughput.csv_check(response(csv_text, "text/html"))


def test_it_counts_a_number_to_look_up_per_caller_older_than_the_latest_calls():
    sim = Simulator(frozen=True)
    key = next(seed.api_key for seed in SEED_COMPANIES if seed.name == "Initech")  # no history
    now = sim.now()

    def missed(number: str, minutes: int) -> None:
        started = now - timedelta(minutes=minutes)
        sim.add_call(key, from_=number, direction="inbound", answered_at=None, started_at=started)

    missed("+15125550171", 10)  # within the latest calls: the board reads it there
    for minute in range(50):
        sim.add_call(key, direction="outbound", started_at=now - timedelta(minutes=100 + minute))
    assert figures.numbers_to_look_up(sim, key) == 0
    missed("+15125550181", 200)
    missed("+15125550182", 210)
    missed("+15125550182", 220)  # the same caller again: one lookup
    missed("anonymous", 230)  # withheld: nothing to look up
    assert figures.numbers_to_look_up(sim, key) == 2


@pytest.mark.parametrize(
    ("content_type", "counted"),
    [
        ("text/html; charset=utf-8", True),
        ("text/css; charset=utf-8", True),
        ("text/javascript; charset=utf-8", True),
        ("image/svg+xml", False),
    ],
)
def test_it_weighs_html_css_and_js(content_type, counted):
    part = measure.Transfer("/x", 200, 10, "gzip", content_type, "")
    assert figures.is_counted(part) is counted


def test_it_follows_what_a_stylesheet_pulls_in():
    css = "a{background:url('img/a.svg')} @import \"more.css\"; b{x:url(data:image/png;a)}"
    found = [a or b for a, b in measure.CSS_URL_RE.findall(css)]
    assert found == ["img/a.svg", "more.css", "data:image/png;a"]


def test_it_marks_missed_and_unbuilt_figures_in_its_tables():
    rows = [("fast", "1 ms", "≤ 2 ms", True), ("slow", "3 ms", "≤ 2 ms", False)]
    rows.append(("new page", "not built", "≥ 0.40", None))
    lines = report.table(rows).splitlines()
    assert lines[0].startswith("figure") and lines[2].endswith("ok")
    assert lines[3].endswith("MISSED") and lines[4].endswith("not built")
    text = report.markdown(rows, ["a note"], report.now(), "0.10 0.20 0.30")
    assert "| slow | 3 ms | ≤ 2 ms | **missed** |" in text
    assert "| new page | not built | ≥ 0.40 | not built |" in text
    assert text.startswith("Measured on ") and "- a note" in text
