"""Real mail servers on loopback for the tests: an SMTP server (aiosmtpd) that receives what
krm sends, and a Dovecot IMAP server (Debian's `dovecot-imapd`) with TLS that krm reads from.

Both pick free ports and keep their state in their own temp folder, so that pytest-xdist's
workers can each run their own. The pytest fixtures are in `krm.testing.mail_fixtures`.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import datetime as dt
import grp
import imaplib
import ipaddress
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any, cast

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session

LOOPBACK = "127.0.0.1"


def free_port(host: str = LOOPBACK) -> int:
    """A TCP port on `host` that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _bindable(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as asyncio does
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def port_accepts(host: str, port: int, timeout: float = 0.2) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


# --- SMTP ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedMail:
    """One message the SMTP server accepted: the envelope, the raw bytes as received (CRLF)
    and the parsed message (policy.default, \n line ends). `mail["Subject"]` reads a header
    of the parsed message."""

    mail_from: str
    rcpt_tos: list[str]
    raw: bytes
    message: EmailMessage
    mail_options: list[str] = field(default_factory=list)

    def __getitem__(self, header: str) -> Any:
        return self.message[header]


class _Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_DATA(self, smtp: SMTP, session: Session, envelope: Envelope) -> str:
        self.server._data_begun()
        delay = self.server.delay
        if delay:
            await asyncio.sleep(delay)
        refusal = self.server.refuse_with
        if refusal:
            return refusal
        raw = envelope.original_content or envelope.content or b""
        if isinstance(raw, str):
            raw = raw.encode("utf-8", "surrogateescape")
        # Python's email package works with \n line ends; `raw` keeps the wire's CRLF.
        parsed = BytesParser(policy=policy.default).parsebytes(raw.replace(b"\r\n", b"\n"))
        message = cast(EmailMessage, parsed)
        self.server._received(
            ReceivedMail(
                mail_from=envelope.mail_from or "",
                rcpt_tos=list(envelope.rcpt_tos),
                raw=raw,
                message=message,
                mail_options=list(envelope.mail_options),
            )
        )
        return "250 OK"


class SmtpServer:
    """aiosmtpd on 127.0.0.1 and a free port, which stays the same across `restart()`.

    `delay` (seconds the DATA handler waits before it answers) and `refuse_with` (a reply
    such as "451 4.3.0 try later" that DATA gets instead of 250) can be set at any time.
    """

    def __init__(self, host: str = LOOPBACK, port: int | None = None) -> None:
        self.host = host
        self.port = port or free_port(host)
        self.delay: float = 0.0
        self.refuse_with: str | None = None
        self._messages: list[ReceivedMail] = []
        self._data_count = 0
        self._cond = threading.Condition()
        self._controller: Controller | None = None

    def __repr__(self) -> str:
        return f"<SmtpServer {self.host}:{self.port} running={self.running}>"

    @property
    def running(self) -> bool:
        return self._controller is not None

    @property
    def messages(self) -> list[ReceivedMail]:
        """The messages received so far (a copy), oldest first."""
        with self._cond:
            return list(self._messages)

    def _received(self, mail: ReceivedMail) -> None:
        with self._cond:
            self._messages.append(mail)
            self._cond.notify_all()

    def _data_begun(self) -> None:
        with self._cond:
            self._data_count += 1
            self._cond.notify_all()

    def clear(self) -> None:
        with self._cond:
            self._messages.clear()
            self._data_count = 0

    def wait_for_data(self, count: int = 1, timeout: float = 10) -> None:
        """Returns once `count` messages have reached the DATA handler (sent in full, not
        yet answered: with `delay` set, the moment to stop the server mid-send)."""
        with self._cond:
            if not self._cond.wait_for(lambda: self._data_count >= count, timeout):
                raise TimeoutError(f"no DATA {count} within {timeout} s")

    def wait_for(self, count: int = 1, timeout: float = 10) -> list[ReceivedMail]:
        """The messages once at least `count` have arrived; TimeoutError after `timeout` s."""
        with self._cond:
            if not self._cond.wait_for(lambda: len(self._messages) >= count, timeout):
                raise TimeoutError(
                    f"SMTP server received {len(self._messages)} of {count} messages "
                    f"within {timeout} s"
                )
            return list(self._messages)

    def start(self) -> SmtpServer:
        if self._controller is not None:
            return self
        # The port may be held for a moment right after a stop (or taken by someone else):
        # aiosmtpd would only report that after its ready_timeout, so check first.
        deadline = time.monotonic() + 5
        while not _bindable(self.host, self.port):
            if time.monotonic() > deadline:
                raise OSError(f"SMTP test server: port {self.host}:{self.port} is in use")
            time.sleep(0.05)
        # A fresh controller (and event loop) each time; the port stays the same.
        controller = Controller(
            _Handler(self),
            hostname=self.host,
            port=self.port,
            server_hostname="smtp.test",
            ready_timeout=10,
        )
        controller.start()
        self._controller = controller
        return self

    def stop(self) -> None:
        """Stops listening and drops open connections (a client mid-send sees them break)."""
        controller, self._controller = self._controller, None
        if controller is not None:
            controller.stop()

    def restart(self) -> None:
        self.stop()
        self.start()

    def __enter__(self) -> SmtpServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


# --- TLS ------------------------------------------------------------------------------------


def make_tls_files(folder: Path, hosts: Sequence[str]) -> tuple[Path, Path, Path]:
    """A throwaway CA and a server certificate it signed for `hosts` (names or IPs).
    Returns (ca.pem, server.pem, server.key)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = dt.datetime.now(dt.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "krm test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca_cert = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    names: list[x509.GeneralName] = []
    for host in hosts:
        try:
            names.append(x509.IPAddress(ipaddress.ip_address(host)))
        except ValueError:
            names.append(x509.DNSName(host))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hosts[0])]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(hours=1))
        .not_valid_after(now + dt.timedelta(days=2))
        .add_extension(x509.SubjectAlternativeName(names), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    ca_file, cert_file, key_file = folder / "ca.pem", folder / "server.pem", folder / "server.key"
    ca_file.write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.touch(mode=0o600)
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return ca_file, cert_file, key_file


# --- Dovecot --------------------------------------------------------------------------------


class DovecotUnavailable(RuntimeError):
    """Dovecot is not installed or did not start."""


_USER_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._+-]*(@[A-Za-z0-9.-]+)?$")

# Dovecot counts a connection whose remote IP equals its local IP as "secured" and then
# allows plaintext LOGIN without TLS, whatever `ssl = required` says. Listening on
# 127.0.0.2 makes clients on this machine connect from 127.0.0.1 (Linux's source address
# for all of 127/8), so Dovecot sees a non-local peer and enforces TLS like a real server.
DOVECOT_HOST = "127.0.0.2"

_CONFIG = """\
# Throwaway Dovecot {version} configuration for krm's tests (krm/testing/mailservers.py).
instance_name = {instance}
base_dir = {dir}/run
state_dir = {dir}/state
log_path = {dir}/dovecot.log
info_log_path = {dir}/dovecot.log
protocols = imap
listen = {host}
shutdown_clients = yes

ssl = required
ssl_cert = <{cert_file}
ssl_key = <{key_file}
ssl_min_protocol = TLSv1.2
disable_plaintext_auth = yes
auth_mechanisms = plain login
auth_verbose = yes
# Tests try wrong passwords: fail within 0.5 s (Dovecot's flush timer) instead of 2 s, and
# no growing per-IP penalty for 127.0.0.1 (anvil-auth-penalty below is switched off).
auth_failure_delay = 0

default_internal_user = {run_user}
default_internal_group = {run_group}
default_login_user = {login_user}
first_valid_uid = {uid}
mail_location = maildir:~/Maildir
mail_max_userip_connections = 100

passdb {{
  driver = passwd-file
  # One file per user: Dovecot re-reads a passwd-file at most once a second, a new
  # file it reads at once.
  args = scheme=PLAIN username_format=%u {dir}/passwd.d/%u
}}
userdb {{
  driver = static
  args = uid={run_user} gid={run_group} home={dir}/mail/%u
}}
namespace inbox {{
  inbox = yes{separator}
}}

service imap-login {{
  inet_listener imap {{
    port = {starttls_port}
  }}
  inet_listener imaps {{
    port = {port}
    ssl = yes
  }}
}}
service anvil {{
  unix_listener anvil-auth-penalty {{
    mode = 0
  }}
}}
"""


@dataclass
class Mailbox:
    """One Dovecot user's mailbox: where to connect and helpers to look into it."""

    server: Dovecot
    user: str
    password: str

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def starttls_port(self) -> int:
        return self.server.starttls_port

    @property
    def ca_file(self) -> str:
        return self.server.ca_file

    def ssl_context(self) -> ssl.SSLContext:
        return self.server.ssl_context()

    def connect(self) -> contextlib.AbstractContextManager[imaplib.IMAP4_SSL]:
        return self.server.connect(self.user)

    def append(self, raw: bytes, folder: str = "INBOX", flags: str = "") -> int | None:
        return self.server.append(raw, folder, user=self.user, flags=flags)

    def create_folder(self, name: str) -> None:
        self.server.create_folder(name, user=self.user)

    def folders(self) -> list[str]:
        return self.server.folders(user=self.user)

    def uids(self, folder: str = "INBOX") -> list[int]:
        return self.server.uids(folder, user=self.user)

    def fetch_all(self, folder: str = "INBOX") -> list[bytes]:
        return self.server.fetch_all(folder, user=self.user)

    def flags(self, folder: str = "INBOX") -> dict[int, set[str]]:
        return self.server.flags(folder, user=self.user)

    def count(self, folder: str = "INBOX") -> int:
        return self.server.count(folder, user=self.user)


def _quote(name: str) -> str:
    return '"' + name.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _check(typ: str, data: Any, what: str) -> Any:
    if typ != "OK":
        raise imaplib.IMAP4.error(f"{what}: {typ} {data!r}")
    return data


class Dovecot:
    """`dovecot -F` with a throwaway config in its own temp folder: IMAP with TLS only,
    implicit TLS on `port`, STARTTLS on `starttls_port`, users from a passwd-file, maildirs.
    Clients trust `ca_file` and check the host name (the certificate names 127.0.0.1,
    127.0.0.2 and localhost)."""

    def __init__(
        self,
        host: str = DOVECOT_HOST,
        user: str = "user@example.org",
        password: str = "secret",  # noqa: S107 - throwaway test server
        binary: str = "dovecot",
        separator: str | None = None,
        start_timeout: float = 20,
    ) -> None:
        self.host = host
        self.user = user
        self.password = password
        self.binary = binary
        self.separator = separator
        self.start_timeout = start_timeout
        self.port = 0
        self.starttls_port = 0
        self.dir: Path | None = None
        self.ca_file = ""
        self.startup_seconds: float | None = None
        self._users: dict[str, str] = {user: password}
        self._proc: subprocess.Popen[bytes] | None = None
        self._counter = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<Dovecot {self.host}:{self.port} (STARTTLS {self.starttls_port}) dir={self.dir}>"

    # users

    def add_user(self, name: str, password: str) -> Mailbox:
        """Adds (or changes) a user; works before and after start."""
        if not _USER_RE.match(name):
            raise ValueError(f"unsuitable IMAP user name for the test server: {name!r}")
        if ":" in password or "\n" in password:
            raise ValueError("password must not contain ':' or a line break")
        with self._lock:
            self._users[name] = password
        if self.dir is not None:
            self._write_user(name, password)
        return Mailbox(self, name, password)

    def new_mailbox(self, prefix: str = "u") -> Mailbox:
        """A user nobody used before, with a random password."""
        with self._lock:
            self._counter += 1
            n = self._counter
        name = f"{prefix}{n}-{secrets.token_hex(4)}@example.org"
        return self.add_user(name, secrets.token_urlsafe(12))

    def mailbox(self, user: str | None = None) -> Mailbox:
        user = user or self.user
        return Mailbox(self, user, self._users[user])

    def _write_user(self, name: str, password: str) -> None:
        assert self.dir is not None
        folder = self.dir / "passwd.d"
        tmp = folder / f".{name}.tmp"
        tmp.write_text(f"{name}:{{PLAIN}}{password}\n")
        tmp.chmod(0o644)
        os.replace(tmp, folder / name)

    # process

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def log_path(self) -> Path | None:
        return self.dir / "dovecot.log" if self.dir else None

    def log_tail(self, lines: int = 30) -> str:
        out = []
        if self.dir:
            for name in ("dovecot.log", "stderr.log"):
                path = self.dir / name
                if path.exists():
                    out += path.read_text(errors="replace").splitlines()[-lines:]
        return "\n".join(out)

    def _prepare(self) -> None:
        if shutil.which(self.binary) is None:
            raise DovecotUnavailable(
                f"{self.binary!r} not found: Debian's package dovecot-imapd is missing "
                "(make system-packages installs it)"
            )
        if os.geteuid() != 0:
            raise DovecotUnavailable("the test Dovecot runs as root (it switches to user dovecot)")
        try:
            run_user = pwd.getpwnam("dovecot")
            login_user = pwd.getpwnam("dovenull").pw_name
        except KeyError as exc:
            raise DovecotUnavailable(f"system user missing: {exc}") from exc
        version = subprocess.run(  # noqa: S603
            [self.binary, "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        # Short path: Dovecot's UNIX sockets live in base_dir (108 bytes at most), and
        # user dovecot must reach the maildirs (pytest's tmp_path is 0700).
        self.dir = Path(tempfile.mkdtemp(prefix="krm-dovecot-"))
        self.dir.chmod(0o755)
        ca_file, cert_file, key_file = make_tls_files(
            self.dir / "tls", [self.host, "localhost", "127.0.0.1", "127.0.0.2"]
        )
        self.ca_file = str(ca_file)
        (self.dir / "tls").chmod(0o755)
        ca_file.chmod(0o644)
        cert_file.chmod(0o644)
        (self.dir / "passwd.d").mkdir(mode=0o755)
        for name, password in self._users.items():
            self._write_user(name, password)
        mail = self.dir / "mail"
        mail.mkdir(mode=0o755)
        os.chown(mail, run_user.pw_uid, run_user.pw_gid)
        self._config: dict[str, object] = {
            "version": version,
            "instance": f"krm-test-{os.getpid()}-{self.dir.name}",
            "dir": self.dir,
            "host": self.host,
            "cert_file": cert_file,
            "key_file": key_file,
            "run_user": run_user.pw_name,
            "run_group": grp.getgrgid(run_user.pw_gid).gr_name,
            "login_user": login_user,
            "uid": run_user.pw_uid,
            "separator": f"\n  separator = {self.separator}" if self.separator else "",
        }

    def _write_config(self) -> Path:
        assert self.dir is not None
        conf = self.dir / "dovecot.conf"
        conf.write_text(
            _CONFIG.format(**self._config, port=self.port, starttls_port=self.starttls_port)
        )
        return conf

    def start(self) -> Dovecot:
        """Starts Dovecot and returns once its ports accept connections."""
        if self.running:
            return self
        began = time.monotonic()
        if self.dir is None:
            atexit.register(self.stop)  # also when a test run ends without teardown
            self._prepare()
            attempts = 3
        else:
            attempts = 1  # restart: same ports
        for attempt in range(attempts):
            if attempts > 1:
                self.port, self.starttls_port = free_port(self.host), free_port(self.host)
                while self.starttls_port == self.port:
                    self.starttls_port = free_port(self.host)
            try:
                self._spawn(self._write_config())
                break
            except DovecotUnavailable as exc:
                if "Address already in use" not in str(exc) or attempt == attempts - 1:
                    raise
        self.startup_seconds = time.monotonic() - began
        return self

    def _spawn(self, conf: Path) -> None:
        assert self.dir is not None
        for name in ("dovecot.log", "stderr.log"):
            (self.dir / name).unlink(missing_ok=True)
        with open(self.dir / "stderr.log", "wb") as err:
            self._proc = subprocess.Popen(  # noqa: S603
                [self.binary, "-F", "-c", str(conf)],
                stdin=subprocess.DEVNULL,
                stdout=err,
                stderr=err,
                start_new_session=True,
            )
        deadline = time.monotonic() + self.start_timeout
        while True:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._proc = None
                raise DovecotUnavailable(f"dovecot exited with {code} at start:\n{self.log_tail()}")
            if port_accepts(self.host, self.port) and port_accepts(self.host, self.starttls_port):
                return
            if time.monotonic() > deadline:
                self._terminate()
                raise DovecotUnavailable(
                    f"dovecot did not accept connections on {self.host}:{self.port} within "
                    f"{self.start_timeout} s:\n{self.log_tail()}"
                )
            time.sleep(0.02)

    def _terminate(self) -> None:
        proc, self._proc = self._proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=5)

    def restart(self) -> None:
        """Stops the server and starts it again on the same ports, mailboxes kept."""
        self._terminate()
        self.start()

    def stop(self, keep_dir: bool = False) -> None:
        """Terminates Dovecot (SIGTERM, it ends its children) and removes its folder."""
        self._terminate()
        if self.dir is not None and not keep_dir:
            shutil.rmtree(self.dir, ignore_errors=True)
            self.dir = None

    def __enter__(self) -> Dovecot:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # IMAP helpers (over TLS, as a client would)

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    @contextlib.contextmanager
    def connect(self, user: str | None = None) -> Iterator[imaplib.IMAP4_SSL]:
        """A logged-in IMAP4_SSL connection for `user` (default: `self.user`)."""
        user = user or self.user
        imap = imaplib.IMAP4_SSL(self.host, self.port, ssl_context=self.ssl_context(), timeout=10)
        try:
            imap.login(user, self._users[user])
            yield imap
        finally:
            with contextlib.suppress(Exception):
                imap.logout()

    def append(
        self, raw: bytes, folder: str = "INBOX", user: str | None = None, flags: str = ""
    ) -> int | None:
        """Appends a message; returns its UID (from APPENDUID)."""
        with self.connect(user) as imap:
            typ, data = imap.append(_quote(folder), flags or None, None, raw)
            _check(typ, data, f"APPEND {folder}")
        match = re.search(rb"APPENDUID \d+ (\d+)", data[0] or b"")
        return int(match.group(1)) if match else None

    def create_folder(self, name: str, user: str | None = None) -> None:
        with self.connect(user) as imap:
            _check(*imap.create(_quote(name)), f"CREATE {name}")

    def folders(self, user: str | None = None) -> list[str]:
        with self.connect(user) as imap:
            data = _check(*imap.list(), "LIST")
        names = []
        for line in data:
            match = re.match(rb'\(.*?\) (?:"[^"]*"|NIL) (.*)$', line or b"")
            if match:
                names.append(match.group(1).decode().strip('"'))
        return names

    def uids(self, folder: str = "INBOX", user: str | None = None) -> list[int]:
        with self.connect(user) as imap:
            _check(*imap.select(_quote(folder), readonly=True), f"SELECT {folder}")
            data = _check(*imap.uid("SEARCH", "ALL"), "UID SEARCH")
        return [int(uid) for uid in (data[0] or b"").split()]

    def fetch_all(self, folder: str = "INBOX", user: str | None = None) -> list[bytes]:
        """The raw messages in the folder in UID order (without setting \\Seen)."""
        return [raw for _uid, raw, _flags in self._fetch(folder, user)]

    def flags(self, folder: str = "INBOX", user: str | None = None) -> dict[int, set[str]]:
        return {uid: flags for uid, _raw, flags in self._fetch(folder, user, body=False)}

    def _fetch(
        self, folder: str, user: str | None, body: bool = True
    ) -> list[tuple[int, bytes, set[str]]]:
        with self.connect(user) as imap:
            _check(*imap.select(_quote(folder), readonly=True), f"SELECT {folder}")
            uids = _check(*imap.uid("SEARCH", "ALL"), "UID SEARCH")[0].split()
            if not uids:
                return []
            items = "(UID FLAGS BODY.PEEK[])" if body else "(UID FLAGS)"
            data = _check(*imap.uid("FETCH", b",".join(uids).decode(), items), "UID FETCH")
        result = []
        for part in data:
            head, raw = (part[0], part[1]) if isinstance(part, tuple) else (part, b"")
            uid = re.search(rb"UID (\d+)", head)
            flags = re.search(rb"FLAGS \(([^)]*)\)", head)
            if uid:
                result.append(
                    (
                        int(uid.group(1)),
                        raw,
                        set(flags.group(1).decode().split()) if flags else set(),
                    )
                )
        return sorted(result)

    def count(self, folder: str = "INBOX", user: str | None = None) -> int:
        with self.connect(user) as imap:
            data = _check(*imap.status(_quote(folder), "(MESSAGES)"), f"STATUS {folder}")
        match = re.search(rb"MESSAGES (\d+)", data[0])
        assert match, data
        return int(match.group(1))
