"""`sanxin serve`: the production server (gunicorn) on Sanxin's WSGI application.

Every option has a default suited to a small district server, an environment variable
(for systemd units and containers) and a flag (flags win); docs/deploy.md lists them.
Anything else gunicorn knows can be given in GUNICORN_CMD_ARGS. The static files are
not collected here: in production run `sanxin collectstatic` once per release (the
Docker image does it when it is built); serve refuses to start without them."""

from __future__ import annotations

import os
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import connections
from gunicorn.app.base import BaseApplication

from sanxin.settings import env_int, env_str

# One line per request on stdout: time, client, method, path (never the query string,
# which can hold a searched name), status, bytes, duration in ms, user agent.
ACCESS_LOG_FORMAT = '%(t)s %(h)s "%(m)s %(U)s %(H)s" %(s)s %(B)s %(M)sms "%(a)s"'


def default_workers() -> int:
    """(2 × CPUs) + 1, the usual rule for synchronous Django, at most 12."""
    return min(2 * (os.cpu_count() or 1) + 1, 12)


def server_options(flags: dict[str, Any]) -> dict[str, Any]:
    """gunicorn's settings from the flags given, else the environment, else defaults."""

    def pick(flag: str, env: str, default: int) -> int:
        value = flags.get(flag)
        return value if value is not None else env_int(env, default)

    threads = pick("threads", "SANXIN_THREADS", 4)
    return {
        "bind": [flags.get("bind") or env_str("SANXIN_BIND", "127.0.0.1:8000")],
        "workers": pick("workers", "SANXIN_WORKERS", default_workers()),
        "threads": threads,
        "worker_class": "gthread" if threads > 1 else "sync",
        "timeout": pick("timeout", "SANXIN_TIMEOUT", 120),
        "graceful_timeout": pick("graceful_timeout", "SANXIN_GRACEFUL_TIMEOUT", 30),
        "keepalive": pick("keepalive", "SANXIN_KEEPALIVE", 5),
        "max_requests": pick("max_requests", "SANXIN_MAX_REQUESTS", 1000),
        "max_requests_jitter": pick("max_requests_jitter", "SANXIN_MAX_REQUESTS_JITTER", 100),
        "accesslog": "-",
        "access_log_format": ACCESS_LOG_FORMAT,
        "errorlog": "-",
        "proc_name": "sanxin",
    }


class SanxinServer(BaseApplication):
    def __init__(self, options: dict[str, Any]):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)
        if "control_socket_disable" in self.cfg.settings:
            # gunicorn 27's runtime control socket (in $HOME) is not used: signals are.
            self.cfg.set("control_socket_disable", True)
        extra = self.cfg.parser().parse_args(self.cfg.get_cmd_args_from_env())
        for key, value in vars(extra).items():
            if value is not None and key != "args":
                self.cfg.set(key.lower(), value)

    def load(self):
        from sanxin.wsgi import application

        return application


class Command(BaseCommand):
    help = "Run Sanxin under gunicorn (production server); see docs/deploy.md."
    requires_system_checks = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("--bind", help="address:port (SANXIN_BIND, 127.0.0.1:8000)")
        for name, env, what in [
            ("workers", "SANXIN_WORKERS", "worker processes (default 2 × CPUs + 1)"),
            ("threads", "SANXIN_THREADS", "threads per worker (default 4)"),
            ("timeout", "SANXIN_TIMEOUT", "seconds before a silent worker is restarted (120)"),
            ("graceful-timeout", "SANXIN_GRACEFUL_TIMEOUT", "seconds to finish on restart (30)"),
            ("keepalive", "SANXIN_KEEPALIVE", "seconds a keep-alive connection waits (5)"),
            ("max-requests", "SANXIN_MAX_REQUESTS", "requests before a worker is renewed (1000)"),
            ("max-requests-jitter", "SANXIN_MAX_REQUESTS_JITTER", "random extra (100)"),
        ]:
            parser.add_argument(f"--{name}", type=int, help=f"{what}; env {env}")
        parser.add_argument(
            "--migrate", action="store_true", help="apply database migrations before serving"
        )
        parser.add_argument(
            "--print-options", action="store_true", help="print the options and exit"
        )

    def handle(self, *args, **opts) -> None:
        options = server_options(opts)
        if opts["print_options"]:
            for key, value in options.items():
                shown = ",".join(value) if isinstance(value, list) else str(value)
                self.stdout.write(f"{key} = {shown}")
            return
        if settings.STATIC_MANIFEST and not (settings.STATIC_ROOT / "staticfiles.json").exists():
            raise CommandError(
                f"the static files are not collected in {settings.STATIC_ROOT}: "
                "run `sanxin collectstatic --noinput` first (docs/deploy.md)"
            )
        self.check(display_num_errors=False)
        if opts["migrate"]:
            call_command("migrate", interactive=False, verbosity=1)
        connections.close_all()  # no connection of the master is shared with workers
        SanxinServer(options).run()
