"""Tricircle settings: every value comes from the environment (or an env file) with an embedded
default that runs on one machine with no server to install."""

import os
from pathlib import Path
from typing import TypedDict

import dj_database_url
import django_stubs_ext

# Django's generic classes subscriptable at run time as their type hints write them
# (admin.ModelAdmin[Pod]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("TRICIRCLE_VAR_DIR", BASE_DIR / "var"))


def _read_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines (comments and blanks ignored); the process environment wins."""
    if not path.is_file():
        return {}
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip().strip("'\"")
    return values


_ENV_FILE = _read_env_file(Path(os.environ.get("TRICIRCLE_ENV_FILE", VAR_DIR / "tricircle.env")))


def env(name: str, default: str) -> str:
    return os.environ.get(name, _ENV_FILE.get(name, default))


def env_int(name: str, default: int) -> int:
    return int(env(name, str(default)))


def env_float(name: str, default: float) -> float:
    return float(env(name, str(default)))


def env_bool(name: str, default: bool) -> bool:
    return env(name, "1" if default else "0").lower() in {"1", "true", "yes", "on"}


VAR_DIR.mkdir(parents=True, exist_ok=True)

SECRET_KEY = env("TRICIRCLE_SECRET_KEY", "insecure-default-set-TRICIRCLE_SECRET_KEY")
DEBUG = env_bool("TRICIRCLE_DEBUG", False)
ALLOWED_HOSTS = env("TRICIRCLE_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_results",
    "jobs",
    "pods",
    "routing",
    "networking",
    "gateway",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "gateway.guard.RequestGuardMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
]

# Limits of a request, checked before any view (gateway.guard): the body size of the pods' own
# APIs (oslo.middleware's max_request_body_size), and how deeply a JSON body may nest.
MAX_REQUEST_BODY_SIZE = env_int("TRICIRCLE_MAX_REQUEST_BODY_SIZE", 114688)
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_REQUEST_BODY_SIZE
MAX_JSON_DEPTH = env_int("TRICIRCLE_MAX_JSON_DEPTH", 64)

# Pages are never shown inside another site's frame (clickjacking).
X_FRAME_OPTIONS = "DENY"
# Served over TLS: the session and CSRF cookies go over TLS only.
SECURE_COOKIES = env_bool("TRICIRCLE_SECURE_COOKIES", False)
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = SECURE_COOKIES
if env("TRICIRCLE_TLS_PROXY_HEADER", ""):
    # Behind a TLS-terminating proxy that sets this header to "https".
    SECURE_PROXY_SSL_HEADER = (env("TRICIRCLE_TLS_PROXY_HEADER", ""), "https")

ROOT_URLCONF = "tricircle_site.urls"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "tricircle_site.wsgi.application"

# Each thread keeps its connection 60 s: opening one per request (on SQLite also registering
# Django's SQL functions) was a fifth of the gateway's own time for a list (py-spy).
DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'tricircle.sqlite3'}"), conn_max_age=60
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several gateway threads and a worker share the file: WAL and IMMEDIATE transactions
    # turn "database is locked" races into short waits.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # One test database per test run: two runs side by side (the unit suite beside the lab
    # tier) must not share, and so destroy, each other's file.
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / f"test-tricircle-{os.getpid()}.sqlite3")}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTHENTICATION_BACKENDS = ["tricircle_site.auth.KeystoneLoginBackend"]
LOGIN_URL = "/login"
LOGIN_REDIRECT_URL = "/dashboard/"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
# WhiteNoise serves the apps' and static/'s files straight from where they are, so a server
# works without a collectstatic step (the lab's Tricircle, a fresh checkout); collectstatic
# into STATIC_ROOT still works for production.
WHITENOISE_USE_FINDERS = True

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "tricircle_site.auth.KeystoneTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["tricircle_site.auth.IsCloudAdmin"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "tricircle_site.api.exception_handler",
    "UNAUTHENTICATED_USER": None,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Tricircle admin API",
    "DESCRIPTION": "Pods, routing entries and jobs of a Tricircle federation.",
    "VERSION": "1.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- OpenStack ---------------------------------------------------------------------------
KEYSTONE_URL = env("TRICIRCLE_KEYSTONE_URL", "http://127.0.0.1:5000/v3")
TOP_REGION = env("TRICIRCLE_TOP_REGION", "CentralRegion")
CENTRAL_NEUTRON_URL = env("TRICIRCLE_CENTRAL_NEUTRON_URL", "http://127.0.0.1:20696")


class ServiceAuth(TypedDict):
    """Tricircle's service user, as keystoneauth's v3.Password takes it."""

    auth_url: str
    username: str
    password: str
    project_name: str
    user_domain_name: str
    project_domain_name: str


SERVICE_AUTH: ServiceAuth = {
    "auth_url": KEYSTONE_URL,
    "username": env("TRICIRCLE_SERVICE_USERNAME", "tricircle"),
    "password": env("TRICIRCLE_SERVICE_PASSWORD", "secret"),
    "project_name": env("TRICIRCLE_SERVICE_PROJECT", "service"),
    "user_domain_name": env("TRICIRCLE_SERVICE_USER_DOMAIN", "Default"),
    "project_domain_name": env("TRICIRCLE_SERVICE_PROJECT_DOMAIN", "Default"),
}
ADMIN_ROLE = env("TRICIRCLE_ADMIN_ROLE", "admin")
# Where a create without an availability zone goes, as Nova's and Cinder's
# default_availability_zone; empty: the project's least-loaded pod of any zone.
DEFAULT_AVAILABILITY_ZONE = env("TRICIRCLE_DEFAULT_AVAILABILITY_ZONE", "")
# Seconds to wait for one pod's answer; a list answers without the pods that missed it.
POD_TIMEOUT = env_float("TRICIRCLE_POD_TIMEOUT", 30.0)
LIST_TIMEOUT = env_float("TRICIRCLE_LIST_TIMEOUT", 10.0)
# How long the top names of networks and security groups a process shows servers with stay
# fresh (then answered while asked again, as long again: gateway.services.servers.RecentNames);
# 0: asked on every call.
NAME_CACHE_SECONDS = env_float("TRICIRCLE_NAME_CACHE_SECONDS", 10.0)
FANOUT_WORKERS = env_int("TRICIRCLE_FANOUT_WORKERS", 16)
# How long a deleted server's cleanup job waits for the pod to finish the delete before it
# tries again later (with the jobs' backoff).
SERVER_DELETE_WAIT_SECONDS = env_float("TRICIRCLE_SERVER_DELETE_WAIT_SECONDS", 20.0)
# Cross-pod L3: each project's bridge network (joining its bottom routers) is allocated at the
# top from this CIDR with this segment type (vxlan, or vlan on BRIDGE_PHYSICAL_NETWORK), so the
# central Neutron hands out one segment and every pod uses it.
BRIDGE_CIDR = env("TRICIRCLE_BRIDGE_CIDR", "100.0.0.0/9")
BRIDGE_NETWORK_TYPE = env("TRICIRCLE_BRIDGE_NETWORK_TYPE", "vxlan")
BRIDGE_PHYSICAL_NETWORK = env("TRICIRCLE_BRIDGE_PHYSICAL_NETWORK", "")

# keystonemiddleware wraps the WSGI app; these are its options (auth_token section).
KEYSTONE_AUTHTOKEN = {
    "www_authenticate_uri": KEYSTONE_URL,
    "auth_url": KEYSTONE_URL,
    "auth_type": "password",
    "username": SERVICE_AUTH["username"],
    "password": SERVICE_AUTH["password"],
    "project_name": SERVICE_AUTH["project_name"],
    "user_domain_name": SERVICE_AUTH["user_domain_name"],
    "project_domain_name": SERVICE_AUTH["project_domain_name"],
    "delay_auth_decision": True,
    # nothing reads X-Service-Catalog; without it keystonemiddleware skips encoding the catalog
    # into every request and validates tokens with ?nocatalog
    "include_service_catalog": False,
    "memcached_servers": env("TRICIRCLE_MEMCACHED_SERVERS", ""),
}

# --- Celery and jobs -----------------------------------------------------------------------
CELERY_BROKER_URL = env(
    "TRICIRCLE_BROKER_URL", f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
)
CELERY_RESULT_BACKEND = "jobs.results:ResultBackend"
CELERY_RESULT_EXTENDED = True
CELERY_TASK_ALWAYS_EAGER = env_bool("TRICIRCLE_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# One worker process runs this many jobs at once, in threads: a job mostly waits (on the
# database, the broker, the pods), and threads overlap those waits in one process (bench_jobs:
# 2-3x the jobs/s of a solo worker; README, "Jobs"). Each message is taken when a thread is
# free (prefetch 1 per slot), so a long job holds no other job's message.
CELERY_WORKER_POOL = env("TRICIRCLE_WORKER_POOL", "threads")
CELERY_WORKER_CONCURRENCY = env_int("TRICIRCLE_WORKER_CONCURRENCY", 8)
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Celery's Django fixup closes the database connections after every task, unless this is set:
# then only every this many tasks. A new PostgreSQL connection per job cost more than the job;
# tricircle_site.celery closes them as Django does after a request instead (CONN_MAX_AGE, or
# after an error).
CELERY_DB_REUSE_MAX = 1000
CELERY_TASK_DEFAULT_QUEUE = env("TRICIRCLE_TASK_QUEUE", "tricircle")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True

JOBS_MAX_ATTEMPTS = env_int("TRICIRCLE_JOBS_MAX_ATTEMPTS", 8)
JOBS_BACKOFF_SECONDS = env_float("TRICIRCLE_JOBS_BACKOFF_SECONDS", 5.0)
JOBS_BACKOFF_MAX_SECONDS = env_float("TRICIRCLE_JOBS_BACKOFF_MAX_SECONDS", 600.0)
JOBS_LEASE_SECONDS = env_float("TRICIRCLE_JOBS_LEASE_SECONDS", 60.0)
JOBS_SWEEP_INTERVAL = env_float("TRICIRCLE_JOBS_SWEEP_INTERVAL", 30.0)
JOBS_RESEND_AFTER_SECONDS = env_float("TRICIRCLE_JOBS_RESEND_AFTER_SECONDS", 60.0)
JOBS_SWEEP_BATCH = env_int("TRICIRCLE_JOBS_SWEEP_BATCH", 500)
# Modules with job types beyond the apps' job_types.py (comma separated), e.g. the tests' types.
JOBS_TYPE_MODULES = [
    name.strip() for name in env("TRICIRCLE_JOBS_TYPE_MODULES", "").split(",") if name.strip()
]
CELERY_BEAT_SCHEDULE = {
    "jobs-sweep": {"task": "jobs.sweep", "schedule": JOBS_SWEEP_INTERVAL},
}
# The drift audit (gateway.audit): every AUDIT_INTERVAL seconds beat asks a pod_audit job per
# enabled pod (0: only on demand). Findings of the classes in AUDIT_REPAIR_CLASSES are repaired
# at once; the others are proposed for an operator's Repair. Pods are listed AUDIT_PAGE_SIZE
# items per call.
AUDIT_INTERVAL = env_float("TRICIRCLE_AUDIT_INTERVAL", 3600.0)
AUDIT_REPAIR_CLASSES = [
    name.strip()
    for name in env("TRICIRCLE_AUDIT_REPAIR_CLASSES", "orphan,dangling_route").split(",")
    if name.strip()
]
AUDIT_PAGE_SIZE = env_int("TRICIRCLE_AUDIT_PAGE_SIZE", 500)
if AUDIT_INTERVAL > 0:
    CELERY_BEAT_SCHEDULE["audit-pods"] = {"task": "gateway.audit_pods", "schedule": AUDIT_INTERVAL}

# Cross-pod tunnels (networking.tunnels): every TUNNEL_SYNC_INTERVAL seconds beat asks a
# tunnel_endpoints_sync job, which reads the pods' agents and tells every pod with a transport
# URL the other pods' VXLAN endpoints (0: only when a pod is added, changed or deleted).
TUNNEL_SYNC_INTERVAL = env_float("TRICIRCLE_TUNNEL_SYNC_INTERVAL", 300.0)
if TUNNEL_SYNC_INTERVAL > 0:
    CELERY_BEAT_SCHEDULE["tunnel-endpoints"] = {
        "task": "networking.sync_tunnel_endpoints",
        "schedule": TUNNEL_SYNC_INTERVAL,
    }

# Every process (gunicorn workers, Celery) logs to stderr and to one file: unexpected errors
# with their tracebacks and request ids (gateway.guard, jobs.services) are there.
# Prometheus metrics at /metrics: for Keystone admins, and without a token for clients from
# these networks (CIDRs, e.g. the Prometheus server's; empty: none).
METRICS_NETWORKS = [
    net.strip() for net in env("TRICIRCLE_METRICS_NETWORKS", "").split(",") if net.strip()
]
# Every process (gunicorn workers, Celery) writes its samples there; a scrape adds them up.
METRICS_DIR = Path(env("TRICIRCLE_METRICS_DIR", str(VAR_DIR / "metrics")))
METRICS_DIR.mkdir(parents=True, exist_ok=True)
# prometheus_client reads it when first imported, which is after the settings.
os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(METRICS_DIR)

LOG_FILE = Path(env("TRICIRCLE_LOG_FILE", str(VAR_DIR / "log" / "tricircle.log")))
LOG_FILE.parent.mkdir(parents=True, exist_ok=True)
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {
            "format": "%(asctime)s %(process)d %(levelname)s %(name)s [%(request_id)s] %(message)s"
        }
    },
    "filters": {"request_id": {"()": "tricircle_site.request_ids.RequestIdFilter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "plain",
            "filters": ["request_id"],
        },
        # Watched: a rotated file (logrotate) is reopened.
        "file": {
            "class": "logging.handlers.WatchedFileHandler",
            "filename": str(LOG_FILE),
            "formatter": "plain",
            "filters": ["request_id"],
        },
    },
    "root": {"handlers": ["console", "file"], "level": env("TRICIRCLE_LOG_LEVEL", "INFO")},
}
