"""simulator [--port 8001] [--host 127.0.0.1] [--delay 0]: the Phone.inc simulator alone."""

from __future__ import annotations

import math
import signal
import threading

from django.core.management import BaseCommand, CommandError

from calls.simulator import SEED_COMPANIES, Simulator


class Command(BaseCommand):
    help = (
        "Run the Phone.inc simulator in the foreground, for trying phonedash (or a script) "
        "against a stand-in Phone.inc. Prints its API base URL and the seeded companies' keys."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--port", type=int, default=8001, help="port to listen on (8001)")
        parser.add_argument("--host", default="127.0.0.1", help="address to bind (127.0.0.1)")
        parser.add_argument(
            "--delay", type=float, default=0.0, help="seconds of latency on every API answer"
        )
        parser.add_argument(
            "--access-log", action="store_true", help="print a line for every request"
        )

    def handle(self, port: int, host: str, delay: float, access_log: bool, **options) -> None:
        if not 0 <= port <= 65535:
            raise CommandError(f"--port must be between 0 and 65535, not {port}.")
        if not math.isfinite(delay) or delay < 0:
            raise CommandError(f"--delay must be a number of seconds >= 0, not {delay}.")
        simulator = Simulator()
        simulator.delay = delay
        try:
            server = simulator.serve(host=host, port=port, quiet=not access_log)
        except OSError as error:
            reason = error.strerror or str(error)
            raise CommandError(f"Cannot listen on {host}:{port}: {reason}.") from None
        self.stdout.write(f"Phone.inc simulator answering at {server.url}")
        for company in SEED_COMPANIES:
            self.stdout.write(
                f"  {company.name:<10} {company.region}  {company.timezone:<17} "
                f"X-Api-Key: {company.api_key}"
            )
        self.stdout.write(f"Control routes under {server.root}/_sim/. Quit with CONTROL-C.")
        previous = _stop_on_signals()
        try:
            while not server.wait(timeout=1.0):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            server.stop()
            for number, handler in previous.items():
                signal.signal(number, handler)
        self.stdout.write("Simulator stopped.")


def _stop_on_signals() -> dict[int, object]:
    """Let `kill` and Ctrl-C stop the simulator cleanly, however it was started.

    SIGINT too: a shell that starts a job in the background with `&` makes it ignore SIGINT.
    Returns the handlers it replaced (none off the main thread, where signals cannot be set).
    """
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {
        number: signal.signal(number, signal.default_int_handler)
        for number in (signal.SIGINT, signal.SIGTERM)
    }
