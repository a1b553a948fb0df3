"""Configuration: the core's defaults live here, the environment overrides them.

Each package keeps its own defaults and adds them with :func:`register`.

Every key can be set as ``STEPCARE_<KEY>``; secrets can also be read from a
file named by ``STEPCARE_<KEY>_FILE`` (Docker/Kubernetes secrets). The
database URL also honours the conventional ``DATABASE_URL``.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

from app.crisis import REGIONS as CRISIS_REGIONS

ENV_PREFIX = "STEPCARE_"

DEFAULTS: dict[str, Any] = {
    "ENV": "development",
    "SECRET_KEY": None,
    "DATABASE_URL": None,
    "DEFAULT_LANGUAGE": "da",
    "TIMEZONE": "Europe/Copenhagen",
    "IDLE_TIMEOUT_MINUTES": 30,
    "ABSOLUTE_TIMEOUT_HOURS": 12,
    "REAUTH_MINUTES": 5,
    # Years a clinical record is kept after its last entry (BEK 567/2017 §6), see app.erasure.
    "RETENTION_YEARS": 5,
    "TERMS_VERSION": "2026-11",
    "CRISIS_REGION": "dk",
    # Who the clinic is, on referral letters and the staff footer (demo values by default).
    "CLINIC_NAME": "Stepcare Demoklinik",
    "CLINIC_ADDRESS": "Vestergade 12, 5000 Odense C",
    "CLINIC_PHONE": "+45 70 20 30 40",
    "RATELIMIT_STORAGE_URI": "memory://",
    "LOGIN_LIMIT_PER_ACCOUNT": "20 per 15 minutes",
    "LOGIN_LIMIT_PER_IP": "200 per 15 minutes",
    # Failed logins on one account from all addresses together: this slows a spread-out
    # guesser; a browser that signed in to the account before is exempt, so the owner
    # is never locked out.
    "LOGIN_LIMIT_PER_ACCOUNT_ALL": "30 per 15 minutes",
    "REAUTH_LIMIT": "10 per 15 minutes",
    "REGISTER_LIMIT_PER_IP": "5 per hour",
    # Password reset links: how long one works, and how often one may be asked for.
    "PASSWORD_RESET_MINUTES": 30,
    "PASSWORD_RESET_LIMIT_PER_IP": "20 per hour",
    "PASSWORD_RESET_LIMIT_PER_ACCOUNT": "5 per hour",
    # Email verification links, and how often a patient may ask for a new one.
    "EMAIL_VERIFY_DAYS": 7,
    "EMAIL_VERIFY_RESEND_LIMIT": "3 per hour",
    # A change of email address: how long the link to the new address works, and how
    # often one account may ask for a change.
    "EMAIL_CHANGE_HOURS": 24,
    "EMAIL_CHANGE_LIMIT": "5 per hour",
    # How many reverse proxies in front of the app set X-Forwarded-For/-Proto/-Host.
    # 0 trusts none of those headers (right when clients reach the app directly).
    "TRUSTED_PROXIES": 0,
    "KNOWN_DEVICE_DAYS": 180,
    # A form that arrives after its sender's session expired is kept this long for them.
    "DRAFT_KEEP_HOURS": 24,
    "MFA_ISSUER": "Stepcare",
    "MFA_PENDING_MINUTES": 10,
    "CONTENT_DIR": str(Path(__file__).resolve().parent.parent / "content"),
    "MAX_FORM_BYTES": 256 * 1024,
    "BASE_URL": "http://127.0.0.1:5000",
    "MAIL_SERVER": "localhost",
    "MAIL_PORT": 25,
    "MAIL_USE_TLS": False,
    "MAIL_USE_SSL": False,
    "MAIL_USERNAME": "",
    "MAIL_PASSWORD": "",
    "MAIL_DEFAULT_SENDER": "Stepcare <no-reply@stepcare.invalid>",
    "MESSAGE_RESPONSE_WORKING_DAYS": 2,
    "INACTIVE_ALERT_DAYS": 14,
    # Patients per page of the caseload (in triage order across pages).
    "CASELOAD_PAGE_SIZE": 25,
    # Phone numbers without a country code are read as numbers of this region.
    "PHONE_REGION": "DK",
    # Alerts go to clinicians by email and, if set, to this signed webhook (a pager, chat).
    "ALERT_WEBHOOK_URL": "",
    "ALERT_WEBHOOK_SECRET": "",
    # Also told when an alert is overdue, besides the administrators ("" = nobody else).
    "ALERT_ESCALATION_EMAIL": "",
    # The secret that keys the audit trail's hash chain (HMAC-SHA-256). Without it
    # rows are chained with plain SHA-256, which anyone with write access can recompute.
    "AUDIT_KEY": "",
    # OpenID Connect: the providers come from STEPCARE_OIDC_<NAME>_* (see oidc_providers).
    # Staff who have linked a provider must sign in with it; it is their second factor
    # only when its ID token's acr is one of these (space-separated), else TOTP follows.
    "OIDC_STAFF_REQUIRED": False,
    "OIDC_MFA_ACR_VALUES": "",
    # Web Push reminders (app.push): a VAPID key pair and a contact. Push is off when unset.
    # The private key is base64url (raw 32 bytes) or PEM; the public key base64url
    # (the uncompressed P-256 point that browsers take as applicationServerKey).
    "VAPID_PRIVATE_KEY": "",
    "VAPID_PUBLIC_KEY": "",
    "VAPID_SUBJECT": "",
}

# Keys that may hold secrets, so they can also come from *_FILE.
SECRET_KEYS = ("SECRET_KEY", "DATABASE_URL", "MAIL_PASSWORD", "ALERT_WEBHOOK_SECRET", "AUDIT_KEY",
               "VAPID_PRIVATE_KEY")

# The packages' own settings, added by ``register`` when each package is imported.
_registered: dict[str, Any] = {}
_registered_secrets: set[str] = set()

# Development-only keys that production refuses.
MIN_SECRET_KEY_LENGTH = 32


class ConfigError(RuntimeError):
    """Configuration that the app cannot start with; the message says what to fix."""


def _coerce(key: str, raw: str, default: Any) -> Any:
    if isinstance(default, bool):
        return raw.strip().lower() in {"1", "true", "yes", "on"}
    if isinstance(default, float):
        try:
            return float(raw)
        except ValueError:
            raise ConfigError(f"{ENV_PREFIX}{key} must be a number, got {raw!r}.") from None
    if isinstance(default, int):
        try:
            return int(raw)
        except ValueError:
            raise ConfigError(f"{ENV_PREFIX}{key} must be a whole number, got {raw!r}.") from None
    return raw


def _read_secret_file(key: str, path: str) -> str:
    try:
        return Path(path).read_text(encoding="utf-8").strip()
    except OSError as exc:
        raise ConfigError(
            f"{ENV_PREFIX}{key}_FILE names {path!r}, which cannot be read: {exc}"
        ) from None


def register(defaults: Mapping[str, Any], *, secret_keys: Iterable[str] = ()) -> None:
    """Add a package's settings with their defaults; ``secret_keys`` may come from *_FILE.

    A package calls this when it is imported, so its settings are overridden from the
    environment exactly as the core's are. A key belongs to one package only.
    """
    secrets_ = set(secret_keys)
    for key, default in defaults.items():
        if key in DEFAULTS or _registered.get(key, default) != default:
            raise ValueError(f"setting {key} is already defined elsewhere")
    if not secrets_ <= set(defaults):
        raise ValueError(f"secret keys {sorted(secrets_ - set(defaults))} have no default")
    _registered.update(defaults)
    _registered_secrets.update(secrets_)


def all_defaults() -> dict[str, Any]:
    """The core's defaults and every registered package's."""
    return {**DEFAULTS, **_registered}


def from_environment(environ: os._Environ | dict[str, str] = os.environ) -> dict[str, Any]:
    """The defaults overridden by STEPCARE_* variables (and DATABASE_URL)."""
    defaults = all_defaults()
    secret_keys = {*SECRET_KEYS, *_registered_secrets}
    settings = dict(defaults)
    for key, default in defaults.items():
        if key in secret_keys and environ.get(f"{ENV_PREFIX}{key}_FILE"):
            settings[key] = _read_secret_file(key, environ[f"{ENV_PREFIX}{key}_FILE"])
        elif f"{ENV_PREFIX}{key}" in environ:
            settings[key] = _coerce(key, environ[f"{ENV_PREFIX}{key}"], default)
    if not settings["DATABASE_URL"] and environ.get("DATABASE_URL"):
        settings["DATABASE_URL"] = environ["DATABASE_URL"]
    settings["OIDC_PROVIDERS"] = oidc_providers(environ)
    return settings


_OIDC_PREFIX = f"{ENV_PREFIX}OIDC_"
_OIDC_ISSUER = "_ISSUER"


def oidc_providers(environ: Mapping[str, str]) -> dict[str, dict[str, str]]:
    """Every OpenID provider set as ``STEPCARE_OIDC_<NAME>_ISSUER`` with its other keys.

    ``_CLIENT_ID``, ``_CLIENT_SECRET`` (or ``_CLIENT_SECRET_FILE``), ``_SCOPES`` (default
    ``openid profile``), ``_ID_CLAIM`` (the claim with a national identifier, optional),
    ``_ID_SYSTEM`` (that identifier's system URI, optional) and ``_LABEL`` (the button's
    text; the name by default). Keyed by the lower-case name.
    """
    providers = {}
    for variable, issuer in environ.items():
        if not (variable.startswith(_OIDC_PREFIX) and variable.endswith(_OIDC_ISSUER)):
            continue
        name = variable[len(_OIDC_PREFIX):-len(_OIDC_ISSUER)]
        if not name or not name.replace("_", "").isalnum():
            raise ConfigError(f"{variable}: the provider's name must be letters and digits.")
        key = f"OIDC_{name}"
        if environ.get(f"{ENV_PREFIX}{key}_CLIENT_SECRET_FILE"):
            secret = _read_secret_file(f"{key}_CLIENT_SECRET",
                                       environ[f"{ENV_PREFIX}{key}_CLIENT_SECRET_FILE"])
        else:
            secret = environ.get(f"{ENV_PREFIX}{key}_CLIENT_SECRET", "")
        client_id = environ.get(f"{ENV_PREFIX}{key}_CLIENT_ID", "")
        if not issuer.strip() or not client_id or not secret:
            raise ConfigError(f"OpenID provider {name}: set {ENV_PREFIX}{key}_ISSUER, "
                              f"_CLIENT_ID and _CLIENT_SECRET (or _CLIENT_SECRET_FILE).")
        providers[name.lower()] = {
            "issuer": issuer.strip(),  # compared exactly with the tokens' iss
            "client_id": client_id,
            "client_secret": secret,
            "scopes": environ.get(f"{ENV_PREFIX}{key}_SCOPES", "openid profile"),
            "id_claim": environ.get(f"{ENV_PREFIX}{key}_ID_CLAIM", ""),
            # The identifier system of that claim's values (urn:oid:1.2.208.176.1.2 for a
            # CPR number): only with one is the identifier sent in FHIR (docs/fhir.md).
            "id_system": environ.get(f"{ENV_PREFIX}{key}_ID_SYSTEM", ""),
            "label": environ.get(f"{ENV_PREFIX}{key}_LABEL", name.title()),
        }
    return providers


def database_uri(url: str | None, instance_path: str) -> str:
    """The SQLAlchemy URI: SQLite in the instance folder unless a URL is given."""
    if not url:
        return "sqlite:///" + str(Path(instance_path) / "stepcare.db")
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise ConfigError(
            "DATABASE_URL is not a valid database URL "
            "(expected e.g. postgresql://user:password@host:5432/dbname)."
        ) from None
    if parsed.drivername in {"postgres", "postgresql", "postgresql+psycopg"}:
        # psycopg 3 is the only PostgreSQL driver we install.
        parsed = parsed.set(drivername="postgresql+psycopg")
    elif not parsed.drivername.startswith("sqlite"):
        raise ConfigError(
            f"DATABASE_URL uses {parsed.drivername!r}; Stepcare supports postgresql:// and sqlite://."
        )
    if parsed.drivername.startswith("postgresql") and not parsed.database:
        raise ConfigError("DATABASE_URL names no database (add /dbname at the end).")
    return parsed.render_as_string(hide_password=False)


def development_secret_key(instance_path: str) -> str:
    """A random key kept in the instance folder, so sessions survive restarts."""
    path = Path(instance_path) / "secret_key"
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    key = secrets.token_urlsafe(48)
    path.write_text(key, encoding="utf-8")
    path.chmod(0o600)
    return key


def flask_config(settings: dict[str, Any], instance_path: str) -> dict[str, Any]:
    """Translate Stepcare settings into the keys Flask and its extensions read."""
    production = settings["ENV"] == "production"
    secret = settings["SECRET_KEY"]
    if production and (not secret or len(secret) < MIN_SECRET_KEY_LENGTH):
        raise ConfigError(
            "Refusing to start in production without a real secret key: set "
            f"STEPCARE_SECRET_KEY (or STEPCARE_SECRET_KEY_FILE) to at least "
            f"{MIN_SECRET_KEY_LENGTH} random characters."
        )
    if not secret:
        secret = development_secret_key(instance_path)
    _check_crisis_region(settings["CRISIS_REGION"])
    uri = database_uri(settings["DATABASE_URL"], instance_path)
    return {
        **settings,
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": uri,
        # A server can drop a pooled connection (restart, idle timeout): ping it on checkout.
        # A SQLite file cannot; its ping would be a wasted statement on every request.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": not uri.startswith("sqlite")},
        "SESSION_COOKIE_NAME": "__Host-stepcare" if production else "stepcare",
        "SESSION_COOKIE_SECURE": production,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "MAX_CONTENT_LENGTH": settings["MAX_FORM_BYTES"],
        "WTF_CSRF_TIME_LIMIT": None,  # the session's own timeouts bound the token's life
        "BABEL_DEFAULT_LOCALE": settings["DEFAULT_LANGUAGE"],
        "BABEL_DEFAULT_TIMEZONE": settings["TIMEZONE"],
        "RATELIMIT_STORAGE_URI": settings["RATELIMIT_STORAGE_URI"],
        "RATELIMIT_HEADERS_ENABLED": True,
        "HSTS": production,
    }


def _check_crisis_region(region: str) -> None:
    """A patient in crisis must never be shown another country's numbers: refuse to start."""
    if region not in CRISIS_REGIONS:
        raise ConfigError(
            f"STEPCARE_CRISIS_REGION must be one of {', '.join(sorted(CRISIS_REGIONS))}, "
            f"got {region!r}."
        )
