"""Run Superset for pvw: bootstrap its metadata, import the dashboards, start and stop it.

Superset lives in its own environment (``.venv-superset``: it pins SQLAlchemy < 2 and pandas
< 2.2), so this module never imports it: every Superset step runs as a subprocess of that
environment's Python. Each failing step raises :class:`SupersetError` with a one-line cause.

State, all under the data home (``PVW_HOME``):

- ``secrets/superset_secret_key`` and ``secrets/superset_admin_password`` (mode 0600),
  generated on first use and reused afterwards, and ``secrets/superset_password_<username>``
  for each demo user of ``superset/roles.yaml`` (the national viewer, the analysts);
- ``superset/superset.db``: the SQLite metadata database (users, charts, dashboards);
- ``superset/bootstrap.json``: what the last bootstrap did, so a second run can skip it;
- ``superset/logs/``: the web server log and the last bootstrap step's output.

Roles, row level security and the demo users are applied from ``superset/roles.yaml`` by
``superset/apply_roles.py`` after every import of the bundle (Superset's exports do not carry
them); see docs/access.md.

The import bundle in ``superset/assets/`` names the serving database as ``{{SERVING_DB}}``;
it is rendered with the absolute path of ``$PVW_HOME/serving.duckdb`` at import time.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import secrets as _secrets
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from orchestration.settings import REPO_ROOT, serving_path

SUPERSET_DIR: Path = REPO_ROOT / "superset"
ASSETS_DIR: Path = SUPERSET_DIR / "assets"
CONFIG_PATH: Path = SUPERSET_DIR / "superset_config.py"
REQUIREMENTS_PATH: Path = SUPERSET_DIR / "requirements.txt"

ADMIN_USERNAME = "admin"
DASHBOARD_SLUG = "violence-against-the-person"
SERVING_DB_PLACEHOLDER = "{{SERVING_DB}}"
DEFAULT_PORT = 8088

SECRET_KEY_FILE = "superset_secret_key"
ADMIN_PASSWORD_FILE = "superset_admin_password"
USER_PASSWORD_PREFIX = "superset_password_"
ROLES_PATH: Path = SUPERSET_DIR / "roles.yaml"
_STAMP_FILE = "bootstrap.json"


class SupersetError(RuntimeError):
    """A Superset step failed; the message is one line naming the step and the cause."""


@dataclass(frozen=True)
class Secrets:
    secret_key: str
    admin_password: str

    def __repr__(self) -> str:  # never print secrets in logs or tracebacks
        return "Secrets(secret_key=***, admin_password=***)"


# --------------------------------------------------------------------------- paths


def free_port() -> int:
    """A port free on 127.0.0.1 now, below Linux's ephemeral range (32768 and up). A port the
    OS hands out for a bind to port 0 can be handed out again, between the choice and the
    server's own bind, to another process binding port 0: `dagster dev` did that to
    `pvw serve`'s test (address already in use)."""
    import random

    for port in random.sample(range(20000, 32000), 200):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port between 20000 and 32000 on 127.0.0.1")


def superset_python() -> Path:
    """The Python of the Superset environment (``<repo>/.venv-superset/bin/python``)."""
    return REPO_ROOT / ".venv-superset" / "bin" / "python"


def state_dir(home: Path) -> Path:
    """Superset's own state under the data home."""
    return Path(home) / "superset"


def log_dir(home: Path) -> Path:
    return state_dir(home) / "logs"


def _require_environment() -> Path:
    python = superset_python()
    if not python.exists():
        raise SupersetError(
            f"Superset environment not found at {python.parent.parent}: create it with "
            "`uv venv .venv-superset --python python3.11 && uv pip install --python "
            ".venv-superset/bin/python -r superset/requirements.txt`"
        )
    return python


# --------------------------------------------------------------------------- secrets


def _read_or_create(path: Path, make: Callable[[], str]) -> str:
    try:
        value = path.read_text().strip()
        if value:
            return value
    except FileNotFoundError:
        pass
    value = make()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as fh:
        fh.write(value + "\n")
    os.replace(tmp, path)
    return value


def ensure_secrets(home: Path) -> Secrets:
    """Return Superset's secret key and admin password, creating them on first use.

    They live in ``<home>/secrets/`` (folder 0700, files 0600) and never in the repository.
    """
    folder = Path(home) / "secrets"
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    secret_key = _read_or_create(folder / SECRET_KEY_FILE, lambda: _secrets.token_urlsafe(48))
    password = _read_or_create(folder / ADMIN_PASSWORD_FILE, lambda: _secrets.token_urlsafe(18))
    for name in (SECRET_KEY_FILE, ADMIN_PASSWORD_FILE):
        os.chmod(folder / name, 0o600)
    return Secrets(secret_key=secret_key, admin_password=password)


@dataclass(frozen=True)
class DemoUser:
    """A demo login of ``superset/roles.yaml``: ``role`` is its key under ``roles:`` and
    ``code`` the partnership of an analyst (None for the national viewer)."""

    username: str
    role: str
    code: str | None
    first_name: str
    last_name: str


def demo_users() -> list[DemoUser]:
    """The demo users ``superset/roles.yaml`` declares, analysts expanded per partnership."""
    import yaml

    users: list[DemoUser] = []
    for spec in yaml.safe_load(ROLES_PATH.read_text())["demo_users"]:
        if "username" in spec:
            users.append(DemoUser(spec["username"], spec["role"], None,
                                  spec["first_name"], spec["last_name"]))
            continue
        for code in spec["partnerships"]:
            users.append(DemoUser(
                spec["username_template"].format(code=code, code_lower=code.lower()),
                spec["role"], code, spec["first_name"], spec["last_name"],
            ))
    return users


def _user_password_file(home: Path, username: str) -> Path:
    if not username.replace("_", "").isalnum():
        raise SupersetError(f"demo user name {username!r} is not a plain identifier")
    return Path(home) / "secrets" / f"{USER_PASSWORD_PREFIX}{username}"


def ensure_user_passwords(home: Path) -> dict[str, str]:
    """Password of every demo user (username -> password), created on first use in
    ``<home>/secrets/superset_password_<username>`` (mode 0600), never in the repository."""
    ensure_secrets(home)  # creates the folder with its mode
    passwords = {}
    for user in demo_users():
        path = _user_password_file(home, user.username)
        passwords[user.username] = _read_or_create(path, lambda: _secrets.token_urlsafe(18))
        os.chmod(path, 0o600)
    return passwords


def user_credentials(home: Path, username: str) -> tuple[str, str]:
    """(username, password) of a Superset login of this data home: ``admin`` or a demo user
    of ``superset/roles.yaml`` (e.g. ``national_viewer``, ``analyst_e22000151``)."""
    if username == ADMIN_USERNAME:
        return admin_credentials(home)
    passwords = ensure_user_passwords(home)
    if username not in passwords:
        raise SupersetError(f"{username!r} is not a demo user of {ROLES_PATH.name}")
    return username, passwords[username]


# --------------------------------------------------------------------------- subprocesses


def superset_env(home: Path) -> dict[str, str]:
    """Environment for every Superset subprocess."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    env.pop("VIRTUAL_ENV", None)
    home = Path(home).resolve()
    env.update(
        PVW_HOME=str(home),
        PVW_REPO=str(REPO_ROOT),
        SUPERSET_CONFIG_PATH=str(CONFIG_PATH),
        SUPERSET_HOME=str(state_dir(home)),
        FLASK_APP="superset.app:create_app()",
        PYTHONUNBUFFERED="1",
        PYTHONWARNINGS="ignore",
    )
    return env


def _last_line(text: str) -> str:
    for line in reversed(text.strip().splitlines()):
        line = line.strip()
        if line:
            return line[:500]
    return "(no output)"


def _cause(output: str) -> str:
    """The most telling line of a failed step's output."""
    lines = [ln.strip() for ln in output.splitlines() if ln.strip()]
    for line in reversed(lines):
        if line.startswith("PVW-ERROR:"):
            return line.removeprefix("PVW-ERROR:").strip()[:500]
    for line in reversed(lines):
        if "Error" in line or "error" in line or "Exception" in line:
            return line[:500]
    return _last_line(output)


def _run_step(
    step: str,
    args: Sequence[str],
    home: Path,
    *,
    extra_env: dict[str, str] | None = None,
    timeout: float = 600,
) -> str:
    """Run one Superset step in its environment; raise SupersetError if it fails."""
    python = _require_environment()
    env = superset_env(home)
    if extra_env:
        env.update(extra_env)
    logs = log_dir(home)
    logs.mkdir(parents=True, exist_ok=True)
    try:
        proc = subprocess.run(
            [str(python), *args],
            env=env,
            cwd=str(state_dir(home)),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired:
        raise SupersetError(f"{step} timed out after {timeout:.0f} s") from None
    except OSError as exc:
        raise SupersetError(f"{step} could not start: {exc}") from None
    (logs / "last_step.log").write_text(f"$ {step}\n{proc.stdout}")
    if proc.returncode != 0:
        raise SupersetError(
            f"{step} failed (exit {proc.returncode}): {_cause(proc.stdout)} "
            f"[full output: {logs / 'last_step.log'}]"
        )
    return proc.stdout


def _superset_cli(step: str, home: Path, *cli_args: str) -> str:
    script = str(superset_python().parent / "superset")
    return _run_step(step, [script, *cli_args], home)


# Run inside .venv-superset: the admin user and the bundle import; roles, RLS, demo users.
IMPORT_SCRIPT = REPO_ROOT / "superset" / "import_assets.py"
ROLES_SCRIPT = REPO_ROOT / "superset" / "apply_roles.py"


# --------------------------------------------------------------------------- bootstrap


def _digest(*parts: bytes | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode() if isinstance(part, str) else part)
        h.update(b"\0")
    return h.hexdigest()


def _asset_files() -> list[Path]:
    return sorted(p for p in ASSETS_DIR.rglob("*.yaml") if p.is_file())


def _schema_key() -> str:
    """Changes when the Superset version or its configuration changes."""
    return _digest(REQUIREMENTS_PATH.read_bytes(), CONFIG_PATH.read_bytes())


def _assets_key(home: Path, secrets: Secrets) -> str:
    parts: list[bytes | str] = [_schema_key(), IMPORT_SCRIPT.read_bytes(), str(serving_path(home))]
    for path in _asset_files():
        parts += [path.relative_to(ASSETS_DIR).as_posix(), path.read_bytes()]
    parts.append(hashlib.sha256(secrets.admin_password.encode()).hexdigest())
    return _digest(*parts)


def _read_stamp(home: Path) -> dict[str, str]:
    try:
        data = json.loads((state_dir(home) / _STAMP_FILE).read_text())
    except (FileNotFoundError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_stamp(home: Path, stamp: dict[str, str]) -> None:
    path = state_dir(home) / _STAMP_FILE
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(stamp, indent=2) + "\n")
    os.replace(tmp, path)


def served_partnerships(home: Path) -> list[tuple[str, str]]:
    """(code, name) of every partnership in ``marts.dim_partnerships`` of the serving
    database: each gets an analyst role."""
    import duckdb

    try:
        with duckdb.connect(str(serving_path(home)), read_only=True) as con:
            rows = con.execute(
                "select partnership_code, partnership_name from marts.dim_partnerships "
                "where partnership_code is not null order by partnership_code"
            ).fetchall()
    except duckdb.Error as exc:
        raise SupersetError(
            f"cannot read the partnerships of the serving database: {exc}"
        ) from None
    return [(code, name) for code, name in rows]


def _apply_roles(
    home: Path, partnerships: list[tuple[str, str]], passwords: dict[str, str]
) -> None:
    """Apply superset/roles.yaml with superset/apply_roles.py inside .venv-superset."""
    names = dict(partnerships)
    users = []
    for user in demo_users():
        entry = {**asdict(user), "password": passwords[user.username]}
        entry["last_name"] = user.last_name.format(
            name=names.get(user.code or "", ""), code=user.code or ""
        )
        users.append(entry)
    payload = json.dumps({"partnerships": partnerships, "users": users})
    _run_step(
        "superset roles and row level security",
        [str(ROLES_SCRIPT), str(ROLES_PATH)],
        home,
        extra_env={"PVW_SUPERSET_ROLES_INPUT": payload},
    )


def apply_roles(home: Path) -> None:
    """Apply superset/roles.yaml to this data home's Superset now (bootstrap does it after
    every import); idempotent: a second run changes nothing."""
    home = Path(home).resolve()
    _apply_roles(home, served_partnerships(home), ensure_user_passwords(home))


def _roles_key(partnerships: list[tuple[str, str]], passwords: dict[str, str]) -> str:
    """Changes with roles.yaml, apply_roles.py, the partnerships served and the passwords."""
    return _digest(
        ROLES_PATH.read_bytes(),
        ROLES_SCRIPT.read_bytes(),
        json.dumps(partnerships),
        *(f"{u}:{hashlib.sha256(p.encode()).hexdigest()}" for u, p in sorted(passwords.items())),
    )


def render_assets(home: Path, dest: Path) -> Path:
    """Copy the import bundle to ``dest`` with the serving database path filled in."""
    db_path = str(serving_path(home))
    bad = sorted({c for c in db_path if c in "?#%'\"\\{}\n\r" or ord(c) < 32})
    if bad:
        raise SupersetError(
            f"serving database path {db_path!r} contains {''.join(bad)!r}, "
            "which cannot go into a database URI: choose another PVW_HOME"
        )
    files = _asset_files()
    if not files:
        raise SupersetError(f"no import bundle found in {ASSETS_DIR}")
    for src in files:
        target = dest / src.relative_to(ASSETS_DIR)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(src.read_text().replace(SERVING_DB_PLACEHOLDER, db_path))
    return dest


def bootstrap(home: Path, *, force: bool = False) -> None:
    """Prepare Superset's metadata under ``home``; idempotent and quick when nothing changed.

    Steps: ``superset db upgrade`` and ``superset init`` (skipped while the Superset
    requirements and config are unchanged), then create the ``admin`` user or reset its
    password to the stored one, and import the dashboard bundle, overwriting what was there
    (skipped while the bundle, the serving path and the password are unchanged), then apply
    the roles, row level security and demo users of ``superset/roles.yaml`` (after every
    import, and whenever that file, the partnerships served or the demo passwords change).
    ``force`` runs every step.
    """
    home = Path(home).resolve()
    _require_environment()
    served = serving_path(home)
    if not served.exists():
        raise SupersetError(
            f"serving database {served} does not exist: publish it with the pipeline first"
        )
    secrets = ensure_secrets(home)
    state_dir(home).mkdir(parents=True, exist_ok=True)
    metadata_db = state_dir(home) / "superset.db"

    stamp = {} if force or not metadata_db.exists() else _read_stamp(home)
    schema_key = _schema_key()
    if stamp.get("schema") != schema_key:
        stamp = {}
        _superset_cli("superset db upgrade", home, "db", "upgrade")
        _superset_cli("superset init", home, "init")
        stamp["schema"] = schema_key
        _write_stamp(home, stamp)

    assets_key = _assets_key(home, secrets)
    if stamp.get("assets") != assets_key:
        stamp.pop("roles", None)  # an import may overwrite datasets: re-apply the roles
        with tempfile.TemporaryDirectory(prefix="pvw-superset-assets-") as tmp:
            bundle = render_assets(home, Path(tmp))
            _run_step(
                "superset admin user and dashboard import",
                [str(IMPORT_SCRIPT), str(bundle), ADMIN_USERNAME],
                home,
                extra_env={"PVW_SUPERSET_ADMIN_PASSWORD": secrets.admin_password},
            )
        stamp["assets"] = assets_key
        _write_stamp(home, stamp)

    partnerships = served_partnerships(home)
    passwords = ensure_user_passwords(home)
    roles_key = _digest(assets_key, _roles_key(partnerships, passwords))
    if stamp.get("roles") != roles_key:
        _apply_roles(home, partnerships, passwords)
        stamp["roles"] = roles_key
        _write_stamp(home, stamp)


# --------------------------------------------------------------------------- web server


def _port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def base_url(port: int = DEFAULT_PORT) -> str:
    return f"http://127.0.0.1:{port}"


def start(
    home: Path,
    port: int = DEFAULT_PORT,
    *,
    workers: int = 2,
    threads: int = 4,
) -> subprocess.Popen:
    """Launch gunicorn serving Superset on 127.0.0.1:``port`` in its own process group.

    Output goes to ``<home>/superset/logs/webserver.log``. Call :func:`wait_ready` next.
    """
    home = Path(home).resolve()
    python = _require_environment()
    ensure_secrets(home)
    if _port_in_use(port):
        raise SupersetError(f"cannot start Superset: port {port} on 127.0.0.1 is already in use")
    logs = log_dir(home)
    logs.mkdir(parents=True, exist_ok=True)
    log_path = logs / "webserver.log"
    args = [
        str(python), "-m", "gunicorn",
        "--bind", f"127.0.0.1:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--timeout", "120",
        "--graceful-timeout", "10",
        "--limit-request-line", "0",
        "--limit-request-field_size", "0",
        "--access-logfile", "-",
        "--error-logfile", "-",
        "superset.app:create_app()",
    ]  # fmt: skip
    with open(log_path, "ab") as log:
        log.write(f"\n==== {time.strftime('%Y-%m-%d %H:%M:%S')} starting on port {port}\n".encode())
        log.flush()
        try:
            proc = subprocess.Popen(
                args,
                env=superset_env(home),
                cwd=str(state_dir(home)),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise SupersetError(f"cannot start Superset web server: {exc}") from None
    proc.pvw_log_path = log_path  # type: ignore[attr-defined]
    proc.pvw_url = base_url(port)  # type: ignore[attr-defined]
    return proc


def _log_tail_cause(log_path: Path | None) -> str:
    if log_path is None or not log_path.exists():
        return "(no log)"
    text = log_path.read_text(errors="replace")[-20000:]
    return f"{_cause(text)} [log: {log_path}]"


def wait_ready(
    url: str,
    timeout: float = 120.0,
    proc: subprocess.Popen | None = None,
) -> None:
    """Poll ``<url>/health`` until it answers OK; raise SupersetError on timeout or exit."""
    deadline = time.monotonic() + timeout
    health = url.rstrip("/") + "/health"
    log_path = getattr(proc, "pvw_log_path", None)
    last = "no answer"
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise SupersetError(
                f"Superset web server exited with code {proc.returncode} before it was ready: "
                f"{_log_tail_cause(log_path)}"
            )
        try:
            with urllib.request.urlopen(health, timeout=5) as resp:
                if resp.status == 200:
                    return
                last = f"HTTP {resp.status}"
        except urllib.error.HTTPError as exc:
            last = f"HTTP {exc.code}"
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError) as exc:
            last = str(getattr(exc, "reason", exc))
        time.sleep(0.5)
    raise SupersetError(f"Superset at {url} not ready after {timeout:.0f} s (last: {last})")


def stop(proc: subprocess.Popen, timeout: float = 20.0) -> None:
    """Stop the web server and its workers (the whole process group); idempotent."""
    if proc.poll() is not None:
        return
    try:
        pgid = os.getpgid(proc.pid)
    except ProcessLookupError:
        proc.wait()
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGTERM)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGKILL)
        proc.wait(timeout=10)
    # gunicorn workers share the group: make sure none outlives the master
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


@contextlib.contextmanager
def running_superset(
    home: Path,
    port: int = DEFAULT_PORT,
    *,
    timeout: float = 180.0,
    workers: int = 2,
) -> Iterator[str]:
    """Bootstrap, start and wait for Superset; yield its base URL; stop it on exit."""
    bootstrap(home)
    proc = start(home, port, workers=workers)
    try:
        wait_ready(base_url(port), timeout=timeout, proc=proc)
        yield base_url(port)
    finally:
        stop(proc)


def admin_credentials(home: Path) -> tuple[str, str]:
    """(username, password) of the Superset admin for this data home."""
    return ADMIN_USERNAME, ensure_secrets(home).admin_password


def dashboard_url(url: str) -> str:
    return f"{url.rstrip('/')}/superset/dashboard/{DASHBOARD_SLUG}/"


if __name__ == "__main__":  # pragma: no cover - manual use: python -m orchestration.superset_server
    from orchestration.settings import pvw_home

    _home = pvw_home()
    _port = int(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_PORT
    try:
        with running_superset(_home, _port) as _url:
            print(f"Superset at {_url} (user {ADMIN_USERNAME}); Ctrl-C to stop", flush=True)
            while True:
                time.sleep(3600)
    except KeyboardInterrupt:
        pass
    except SupersetError as _exc:
        print(f"error: {_exc}", file=sys.stderr)
        sys.exit(1)
