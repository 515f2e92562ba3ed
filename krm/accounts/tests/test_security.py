"""Secure by default: production settings, headers, CSP, login throttling."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import krm.settings as krm_settings

KRM = Path(sys.executable).parent / "krm"
STRONG_SECRET = "x" * 20 + "Zq8#kL2$vB9!mN4@pR7%tY1&wE5*uI3^oA6(sD0)fG" + "y" * 10


def run_krm(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("KRM_", "DJANGO_"))}
    return subprocess.run(
        [str(KRM), *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        cwd=Path.home(),
        timeout=120,
    )


PRODUCTION = {
    "KRM_DEBUG": "0",
    "KRM_SECRET_KEY": STRONG_SECRET,
    "KRM_ALLOWED_HOSTS": "krm.jobcenter.example",
    "KRM_PROXY_SSL_HEADER": "X-Forwarded-Proto: https",
    "KRM_DATABASE_URL": "postgresql://krm@db.example/krm",
    "KRM_AUDIT_KEY": "Au" + STRONG_SECRET[::-1],
}


def test_check_deploy_shows_no_issues_in_production_mode():
    result = run_krm("check", "--deploy", "--fail-level", "DEBUG", **PRODUCTION)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)" in result.stdout


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"KRM_SECRET_KEY": ""}, "KRM_SECRET_KEY"),
        ({"KRM_SECRET_KEY": "short-but-not-default"}, "KRM_SECRET_KEY"),
        ({"KRM_SECRET_KEY": "a" * 60}, "KRM_SECRET_KEY"),
        ({"KRM_SECRET_KEY": krm_settings.DEVELOPMENT_SECRET_KEY}, "KRM_SECRET_KEY"),
        ({"KRM_ALLOWED_HOSTS": ""}, "KRM_ALLOWED_HOSTS"),
        ({"KRM_DEMO": "1"}, "KRM_DEMO"),
        ({"KRM_PROXY_SSL_HEADER": "nonsense"}, "KRM_PROXY_SSL_HEADER"),
        # Finding 8: a repeated pattern, a wildcard host, SQLite, login limits below one.
        ({"KRM_SECRET_KEY": "abcde" * 12}, "KRM_SECRET_KEY"),
        ({"KRM_SECRET_KEY": "Passwort1!" * 6}, "KRM_SECRET_KEY"),
        ({"KRM_SECRET_KEY": "ab" * 20 + "cdefghijklm" + "ab" * 10}, "KRM_SECRET_KEY"),
        # Random-looking, but one short key three times (its characters alone look random).
        ({"KRM_SECRET_KEY": "Zq8#kL2$vB9!mN4@pR7%tY1&w" * 3}, "KRM_SECRET_KEY"),
        ({"KRM_ALLOWED_HOSTS": "*"}, "KRM_ALLOWED_HOSTS"),
        ({"KRM_ALLOWED_HOSTS": "krm.jobcenter.example,*"}, "KRM_ALLOWED_HOSTS"),
        ({"KRM_DATABASE_URL": ""}, "PostgreSQL"),
        ({"KRM_DATABASE_URL": "sqlite:////tmp/krm.sqlite3"}, "PostgreSQL"),
        ({"KRM_LOGIN_FAILURE_LIMIT": "0"}, "KRM_LOGIN_FAILURE_LIMIT"),
        ({"KRM_LOGIN_FAILURE_LIMIT": "-5"}, "KRM_LOGIN_FAILURE_LIMIT"),
        ({"KRM_LOGIN_FAILURE_LIMIT_USER": "0"}, "KRM_LOGIN_FAILURE_LIMIT_USER"),
        ({"KRM_LOGIN_FAILURE_LIMIT_ADDRESS": "-1"}, "KRM_LOGIN_FAILURE_LIMIT_ADDRESS"),
        ({"KRM_LOGIN_COOLOFF_MINUTES": "0"}, "KRM_LOGIN_COOLOFF_MINUTES"),
        ({"KRM_SESSION_IDLE_MINUTES": "0"}, "KRM_SESSION_IDLE_MINUTES"),
        ({"KRM_AUDIT_KEY": ""}, "KRM_AUDIT_KEY"),
        ({"KRM_AUDIT_KEY": "abcde" * 12}, "KRM_AUDIT_KEY"),
        ({"KRM_AUDIT_KEY": STRONG_SECRET}, "KRM_AUDIT_KEY"),  # the secret key itself
    ],
)
def test_production_refuses_unsafe_configuration(override, message):
    result = run_krm("check", **{**PRODUCTION, **override})
    assert result.returncode != 0
    assert message in result.stderr


@pytest.mark.parametrize(
    "override",
    [
        {
            "KRM_SECRET_KEY": "4b1e29983c075206bbd70f7dc760259a4de6aa88c94a0a441ddb767d1da46356"
        },  # secrets.token_hex(32)
        {"KRM_DATABASE_URL": "", "KRM_ALLOW_SQLITE": "1"},  # SQLite, knowingly
    ],
)
def test_production_accepts_a_sound_configuration(override):
    result = run_krm("check", **{**PRODUCTION, **override})
    assert result.returncode == 0, result.stderr


def test_production_mode_turns_on_https_settings():
    result = run_krm(
        "shell",
        "-c",
        "from django.conf import settings as s; print(s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS >= 31536000, "
        "s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_HSTS_PRELOAD, s.SECURE_PROXY_SSL_HEADER)",
        **PRODUCTION,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == (
        "True True True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
    )


def test_krm_command_finds_the_checkout_database_from_any_directory():
    result = run_krm(
        "shell",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['NAME'])",
    )
    assert result.returncode == 0, result.stderr
    checkout = Path(krm_settings.__file__).resolve().parent.parent
    assert result.stdout.strip().splitlines()[-1] == str(checkout / "var" / "krm.sqlite3")


def test_passwords_are_hashed_with_argon2_in_production():
    # The test run swaps in a fast hasher; the configured first hasher is argon2.
    assert krm_settings.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.parametrize("path", ["/anmelden/", "/api/v1/openapi.json", "/gibt-es-nicht/"])
def test_every_response_carries_csp_nosniff_and_frame_denial(client, db, path):
    response = client.get(path)
    csp = response.headers["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in csp.split(";") if d.strip())
    assert directives["script-src"] == "'self'"
    assert "unsafe-inline" not in csp
    assert "unsafe-eval" not in csp
    assert directives["frame-ancestors"] == "'none'"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"


def test_templates_contain_no_inline_script_or_style():
    """CSP forbids inline code; a template that used it would break silently."""
    offenders = []
    for template in (Path(krm_settings.BASE_DIR) / "krm").rglob("*.html"):
        text = template.read_text()
        if "<script>" in text or "<style" in text or " style=" in text or " onclick=" in text:
            offenders.append(str(template))
    assert offenders == []


def _login(client, username: str, password: str, ip: str = "10.9.8.7"):
    return client.post("/anmelden/", {"username": username, "password": password}, REMOTE_ADDR=ip)


def test_wrong_password_and_unknown_user_get_the_same_answer(client, org):
    known = _login(client, "krmb", "falsch")
    unknown = _login(client, "niemand", "falsch", ip="10.9.8.8")
    assert known.status_code == unknown.status_code == 200
    assert "Benutzername oder Passwort ist falsch." in known.content.decode()
    assert known.content.decode().count("falsch.") == unknown.content.decode().count("falsch.")


def test_successful_login_and_logout(client, org):
    response = _login(client, "mitarbeiter", "geheim-passwort-123")
    assert response.status_code == 302
    assert response.headers["Location"] == "/"  # the start page …
    assert client.get("/").headers["Location"] == "/faelle/"  # … the worklist: no tasks
    response = client.post("/abmelden/")
    assert response.status_code == 302
    assert client.get("/faelle/").status_code == 302  # back to the login


def test_pages_require_login(client, db):
    response = client.get("/faelle/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/anmelden/")


def test_only_the_admin_may_use_inline_styles_and_never_inline_scripts(client, org):
    client.force_login(org["admin"])
    admin_csp = client.get("/admin/").headers["Content-Security-Policy"]
    app_csp = client.get("/faelle/").headers["Content-Security-Policy"]
    assert "style-src 'self' 'unsafe-inline'" in admin_csp
    assert "unsafe-inline" not in app_csp
    assert "script-src 'self';" in admin_csp + ";" and "unsafe-eval" not in admin_csp


@pytest.mark.parametrize(
    ("proxies", "forwarded", "expected"),
    [
        (0, "1.2.3.4", "10.0.0.1"),  # no proxy: the header is the client's own claim
        (1, "1.2.3.4", "1.2.3.4"),
        (1, "6.6.6.6, 1.2.3.4", "1.2.3.4"),  # a forged entry on the left is ignored
        (2, "6.6.6.6, 1.2.3.4, 172.16.0.2", "1.2.3.4"),
        (2, "1.2.3.4", "10.0.0.1"),  # fewer entries than proxies: trust nothing
        (1, "", "10.0.0.1"),
    ],
)
def test_client_address_behind_proxies(settings, rf, proxies, forwarded, expected):
    from krm.accounts.client_ip import client_ip

    settings.KRM_PROXY_COUNT = proxies
    request = rf.get("/", REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR=forwarded)
    assert client_ip(request) == expected


def test_behind_a_proxy_one_client_does_not_lock_out_the_others(client, org, settings):
    settings.KRM_PROXY_COUNT = 1
    for _ in range(settings.KRM_LOGIN_FAILURE_LIMIT_ADDRESS):
        client.post(
            "/anmelden/",
            {"username": f"x{_}", "password": "falsch"},
            REMOTE_ADDR="10.0.0.1",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
        )
    blocked = client.post(
        "/anmelden/",
        {"username": "krmb", "password": "geheim-passwort-123"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    other = client.post(
        "/anmelden/",
        {"username": "krmb", "password": "geheim-passwort-123"},
        REMOTE_ADDR="10.0.0.1",
        HTTP_X_FORWARDED_FOR="198.51.100.8",
    )
    assert blocked.status_code == 429
    assert other.status_code == 302


@pytest.mark.parametrize(
    "path", ["/anmelden/", "/faelle/", "/api/v1/openapi.json", "/static/krm/krm.css"]
)
def test_every_answer_denies_unused_browser_features_and_embedding(client, org, path):
    if path != "/anmelden/":  # a logged-in user is sent on from the login page
        client.force_login(org["krmb"])
    response = client.get(path)
    assert response.status_code == 200
    policy = response.headers["Permissions-Policy"]
    for feature in ("camera=()", "microphone=()", "geolocation=()", "payment=()", "usb=()"):
        assert feature in policy
    assert response.headers["Cross-Origin-Resource-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response.headers["Referrer-Policy"] == "same-origin"
    if path.startswith("/static/"):
        assert "no-store" not in response.headers.get("Cache-Control", "")
    else:
        assert "no-store" in response.headers["Cache-Control"]
