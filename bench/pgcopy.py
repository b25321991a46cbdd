"""Bulk rows for the benchmarks on PostgreSQL: a throwaway server, and `COPY` lines built
from a Django model's concrete fields.

`CopyTable(Model, varying=[...], constants={...})` lists every concrete column of the
model. A column is filled, in this order, from the row (`varying`, by attname), from
`constants`, from the batch's district (a field named `district`: the large tables
carry their district, issue 16), from the field's default, blank or null; a column
the generator cannot fill (a new required field) stops the benchmark with its name,
rather than loading rows the product would not write. Nothing here is part of the
product."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import tempfile
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import date, datetime
from typing import Any

PGBIN_ROOT = "/usr/lib/postgresql"
DISTRICT = "\x00district\x00"  # the batch's district id, put in by `CopyTable.lines`
NULL = "\\N"


def literal(value: Any) -> str:
    """`value` in COPY's text format."""
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict | list):
        value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    text = str(value) if not isinstance(value, str) else value
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class CopyTable:
    """The COPY statement and a line template of one model's table."""

    def __init__(
        self,
        model,
        *,
        varying: Sequence[str],
        constants: Mapping[str, Any] | None = None,
        now: datetime,
    ):
        constants = dict(constants or {})
        self.model = model
        self.table = model._meta.db_table
        self.columns: list[str] = []
        self.has_district = False
        parts: list[str] = []
        unknown = set(varying) | set(constants)
        for f in model._meta.concrete_fields:
            unknown.discard(f.attname)
            self.columns.append(f.column)
            if f.attname in varying:
                parts.append(f"{{{varying.index(f.attname)}}}")
                continue
            if f.attname in constants:
                text = literal(constants[f.attname])
            elif f.name == "district":
                self.has_district = True
                text = DISTRICT
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                text = literal(now)
            elif f.has_default() or f.blank or f.null:
                text = literal(f.get_default())
            else:
                raise RuntimeError(
                    f"{model.__name__}.{f.name}: the benchmark's generator has no value for "
                    "this required column; teach bench/prefecture.py how to fill it"
                )
            parts.append(text.replace("{", "{{").replace("}", "}}"))
        if unknown:
            raise RuntimeError(f"{model.__name__} has no field(s) {sorted(unknown)}")
        self.template = "\t".join(parts) + "\n"

    @property
    def copy_sql(self) -> str:
        columns = ", ".join(f'"{c}"' for c in self.columns)
        return f'COPY "{self.table}" ({columns}) FROM STDIN'

    def lines(self, rows: Iterable[Sequence[Any]], district_id: int | None) -> Iterator[str]:
        if self.has_district and district_id is None:
            raise RuntimeError(f"{self.model.__name__} needs its district")
        template = self.template.replace(DISTRICT, str(district_id))
        fmt = template.format
        for row in rows:
            yield fmt(*row)


def copy_in(cursor, table: CopyTable, lines: Iterable[str], buffer_lines: int = 20_000) -> int:
    """COPY the lines into the table; the number of rows."""
    n, buf = 0, []
    with cursor.copy(table.copy_sql) as copy:
        for line in lines:
            buf.append(line)
            if len(buf) >= buffer_lines:
                copy.write("".join(buf))
                n += len(buf)
                buf.clear()
        if buf:
            copy.write("".join(buf))
            n += len(buf)
    return n


# --- a throwaway PostgreSQL -----------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> str:
    versions = (
        sorted((d for d in os.listdir(PGBIN_ROOT) if d.isdigit()), key=int)
        if os.path.isdir(PGBIN_ROOT)
        else []
    )
    if not versions:
        raise RuntimeError(
            "PostgreSQL's server binaries are not installed (apt-get install postgresql)"
        )
    return f"{PGBIN_ROOT}/{versions[-1]}/bin"


# Loading settings: durability off as in .ci/run (the data is thrown away), WAL large
# enough that a load does not checkpoint every few seconds, memory for building indexes.
SERVER_SETTINGS = {
    "listen_addresses": "127.0.0.1",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "shared_buffers": "512MB",
    "maintenance_work_mem": "512MB",
    "max_wal_size": "8GB",
    "checkpoint_timeout": "30min",
    "max_connections": "200",
    # As docs/deploy.md recommends for production: the app's queries are short, and
    # compiling them took longer than running them.
    "jit": "off",
}


@contextmanager
def postgres(prefix: str = "sanxin-bench-pg-", keep: bool = False) -> Iterator[tuple[str, str]]:
    """(database URL, description) of an empty database for this run: a database created
    on the server `SANXIN_DATABASE_URL` names (dropped afterwards), or a server initdb'd
    in a temporary directory on a free port (stopped and deleted afterwards). `keep`:
    leave the database (or the server and its directory) for another run."""
    given = os.environ.get("SANXIN_DATABASE_URL", "")
    if given.startswith(("postgres://", "postgresql://")):
        import psycopg

        parts = urllib.parse.urlsplit(given)
        name = f"sanxin_bench_{os.getpid()}"
        with psycopg.connect(given, autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        try:
            yield urllib.parse.urlunsplit(parts._replace(path=f"/{name}")), "given server"
        finally:
            if not keep:
                with psycopg.connect(given, autocommit=True) as conn:
                    conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        return
    binaries = pg_bin()
    tmp = tempfile.mkdtemp(prefix=prefix)
    as_postgres: list[str] = []
    if os.geteuid() == 0:  # initdb refuses root: run the server as postgres
        shutil.chown(tmp, "postgres")
        as_postgres = ["runuser", "-u", "postgres", "--"]
    port = free_port()
    data, log = f"{tmp}/data", f"{tmp}/log"
    subprocess.run(
        [*as_postgres, f"{binaries}/initdb", "-D", data, "-A", "trust", "-U", "sanxin",
         "-E", "UTF8", "--locale=C.UTF-8"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    options = " ".join(f"-c {k}={v}" for k, v in SERVER_SETTINGS.items())
    subprocess.run(
        [*as_postgres, f"{binaries}/pg_ctl", "-D", data, "-l", log, "-w",
         "-o", f"-p {port} -k {tmp} {options}", "start"],
        check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        subprocess.run(
            [f"{binaries}/createdb", "-h", "127.0.0.1", "-p", str(port), "-U", "sanxin", "sanxin"],
            check=True,
        )
        version = subprocess.run(
            [f"{binaries}/postgres", "--version"], capture_output=True, text=True
        ).stdout.strip()
        yield f"postgres://sanxin@127.0.0.1:{port}/sanxin", f"{version}, throwaway on port {port}"
    finally:
        # keep: left running; stop it with `pg_ctl -D <dir>/data stop`, then delete <dir>
        if not keep:
            subprocess.run(
                [*as_postgres, f"{binaries}/pg_ctl", "-D", data, "-m", "immediate", "stop"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            )  # fmt: skip
            shutil.rmtree(tmp, ignore_errors=True)


def vm_hwm_mib(pid: int | str = "self") -> float | None:
    """Peak resident set size (VmHWM) of a process, in MiB."""
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None
