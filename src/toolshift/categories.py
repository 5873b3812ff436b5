"""What a distribution is *for*: one table of well-known distributions, by category.

Used by the ``--to pip`` renderer (comment headers in requirements files, per-category pin
policies), and reused by ``analyze`` and ``bench``. Names are PEP 503-normalised; anything not in
the table is :attr:`Category.OTHER`. A name belongs to exactly one category, written normalised
(``tests/test_categories.py`` checks both).
"""

from __future__ import annotations

import re
from enum import StrEnum

from toolshift.model import normalize_name


class Category(StrEnum):
    WEB_FRAMEWORK = "web-framework"
    DATABASE = "database"
    ML_AI = "ml-ai"
    ASYNC = "async"  # async runtimes, task queues, schedulers, messaging
    AUTH_SECURITY = "auth-security"
    MONITORING = "monitoring"  # logging, metrics, tracing, error reporting
    TESTING = "testing"
    CODE_QUALITY = "code-quality"  # linters, formatters, type checkers, stubs, docs tools
    HTTP_CLIENT = "http-client"
    DATA = "data"  # dataframes, numerics, plotting, file formats
    CLI = "cli"  # command-line, terminal output, configuration
    SERIALIZATION = "serialization"  # validation, (de)serialisation, schemas
    OTHER = "other"

    @property
    def heading(self) -> str:
        return _TITLES[self]


_TITLES: dict[Category, str] = {
    Category.WEB_FRAMEWORK: "Web frameworks and servers",
    Category.DATABASE: "Databases and caches",
    Category.ML_AI: "ML / AI",
    Category.ASYNC: "Async, background jobs and messaging",
    Category.AUTH_SECURITY: "Auth and security",
    Category.MONITORING: "Monitoring, logging and tracing",
    Category.TESTING: "Testing",
    Category.CODE_QUALITY: "Code quality, typing and docs",
    Category.HTTP_CLIENT: "HTTP clients",
    Category.DATA: "Data and numerics",
    Category.CLI: "CLI, terminal and configuration",
    Category.SERIALIZATION: "Validation and serialization",
    Category.OTHER: "Other",
}

# Order of sections in generated files: what a reader looks for first.
ORDER: tuple[Category, ...] = tuple(Category)

_TABLE: dict[Category, tuple[str, ...]] = {
    Category.WEB_FRAMEWORK: (
        "a2wsgi",
        "aiohttp",
        "aiohttp-cors",
        "asgiref",
        "bottle",
        "channels",
        "cherrypy",
        "daphne",
        "django",
        "django-cors-headers",
        "django-extensions",
        "django-filter",
        "django-ninja",
        "djangorestframework",
        "falcon",
        "fastapi",
        "flask",
        "flask-cors",
        "flask-restful",
        "flask-restx",
        "flask-smorest",
        "flask-socketio",
        "flask-wtf",
        "granian",
        "gunicorn",
        "h11",
        "h2",
        "hypercorn",
        "itsdangerous",
        "jinja2",
        "litestar",
        "mako",
        "markupsafe",
        "pyramid",
        "python-multipart",
        "quart",
        "robyn",
        "sanic",
        "starlette",
        "tornado",
        "uvicorn",
        "waitress",
        "websockets",
        "werkzeug",
        "whitenoise",
        "wsproto",
        "wtforms",
    ),
    Category.DATABASE: (
        "aiomysql",
        "aiosqlite",
        "alembic",
        "asyncpg",
        "cassandra-driver",
        "clickhouse-driver",
        "databases",
        "django-redis",
        "duckdb",
        "elasticsearch",
        "flask-migrate",
        "flask-sqlalchemy",
        "greenlet",
        "mongoengine",
        "motor",
        "mysql-connector-python",
        "mysqlclient",
        "neo4j",
        "opensearch-py",
        "peewee",
        "pony",
        "psycopg",
        "psycopg-binary",
        "psycopg-pool",
        "psycopg2",
        "psycopg2-binary",
        "pymemcache",
        "pymongo",
        "pymysql",
        "pyodbc",
        "redis",
        "redis-py-cluster",
        "sqlalchemy",
        "sqlalchemy-utils",
        "sqlmodel",
        "tortoise-orm",
    ),
    Category.ML_AI: (
        "accelerate",
        "anthropic",
        "catboost",
        "chromadb",
        "datasets",
        "diffusers",
        "faiss-cpu",
        "gensim",
        "huggingface-hub",
        "jax",
        "jaxlib",
        "keras",
        "langchain",
        "langchain-core",
        "langchain-openai",
        "lightgbm",
        "llama-index",
        "mlflow",
        "nltk",
        "onnx",
        "onnxruntime",
        "openai",
        "optuna",
        "peft",
        "pinecone-client",
        "safetensors",
        "scikit-learn",
        "sentence-transformers",
        "sentencepiece",
        "spacy",
        "statsmodels",
        "tensorboard",
        "tensorflow",
        "tiktoken",
        "tokenizers",
        "torch",
        "torchaudio",
        "torchvision",
        "transformers",
        "triton",
        "wandb",
        "xgboost",
    ),
    Category.ASYNC: (
        "aio-pika",
        "aiokafka",
        "amqp",
        "anyio",
        "apscheduler",
        "arq",
        "celery",
        "confluent-kafka",
        "dramatiq",
        "eventlet",
        "flower",
        "gevent",
        "huey",
        "kafka-python",
        "kombu",
        "nest-asyncio",
        "pika",
        "rq",
        "sniffio",
        "trio",
        "uvloop",
        "vine",
    ),
    Category.AUTH_SECURITY: (
        "argon2-cffi",
        "authlib",
        "bcrypt",
        "certifi",
        "cryptography",
        "django-allauth",
        "flask-jwt-extended",
        "flask-login",
        "oauthlib",
        "paramiko",
        "passlib",
        "pyjwt",
        "pynacl",
        "pyopenssl",
        "python-jose",
        "requests-oauthlib",
        "rsa",
        "truststore",
    ),
    Category.MONITORING: (
        "datadog",
        "ddtrace",
        "elastic-apm",
        "loguru",
        "newrelic",
        "opentelemetry-api",
        "opentelemetry-exporter-otlp",
        "opentelemetry-instrumentation",
        "opentelemetry-instrumentation-fastapi",
        "opentelemetry-instrumentation-flask",
        "opentelemetry-sdk",
        "prometheus-client",
        "prometheus-fastapi-instrumentator",
        "python-json-logger",
        "sentry-sdk",
        "statsd",
        "structlog",
    ),
    Category.TESTING: (
        "coverage",
        "factory-boy",
        "faker",
        "freezegun",
        "hypothesis",
        "iniconfig",
        "mock",
        "nox",
        "pluggy",
        "pytest",
        "pytest-asyncio",
        "pytest-benchmark",
        "pytest-cov",
        "pytest-django",
        "pytest-mock",
        "pytest-randomly",
        "pytest-timeout",
        "pytest-xdist",
        "requests-mock",
        "respx",
        "responses",
        "testcontainers",
        "time-machine",
        "tox",
        "vcrpy",
    ),
    Category.CODE_QUALITY: (
        "autopep8",
        "bandit",
        "black",
        "codespell",
        "flake8",
        "isort",
        "mkdocs",
        "mkdocs-material",
        "mypy",
        "mypy-extensions",
        "pre-commit",
        "pycodestyle",
        "pydocstyle",
        "pyflakes",
        "pylint",
        "pyright",
        "ruff",
        "sphinx",
        "sphinx-rtd-theme",
        "ty",
        "types-pyyaml",
        "types-redis",
        "types-requests",
        "types-setuptools",
        "yapf",
    ),
    Category.HTTP_CLIENT: (
        "aiohttp-retry",
        "charset-normalizer",
        "grpcio",
        "httpcore",
        "httptools",
        "httpx",
        "idna",
        "pycurl",
        "requests",
        "requests-toolbelt",
        "tenacity",
        "urllib3",
        "yarl",
    ),
    Category.DATA: (
        "altair",
        "arrow",
        "boto3",
        "botocore",
        "dask",
        "fsspec",
        "h5py",
        "matplotlib",
        "networkx",
        "numba",
        "numpy",
        "openpyxl",
        "pandas",
        "pendulum",
        "pillow",
        "plotly",
        "polars",
        "pyarrow",
        "python-dateutil",
        "pytz",
        "s3fs",
        "s3transfer",
        "scipy",
        "seaborn",
        "sympy",
        "tzdata",
        "xlrd",
    ),
    Category.CLI: (
        "click",
        "colorama",
        "fire",
        "prompt-toolkit",
        "pydantic-settings",
        "pygments",
        "python-decouple",
        "python-dotenv",
        "rich",
        "shellingham",
        "tabulate",
        "tqdm",
        "typer",
        "environs",
        "dynaconf",
    ),
    Category.SERIALIZATION: (
        "attrs",
        "cattrs",
        "dataclasses-json",
        "jsonschema",
        "marshmallow",
        "msgpack",
        "msgspec",
        "orjson",
        "protobuf",
        "pydantic",
        "pydantic-core",
        "pyyaml",
        "ruamel-yaml",
        "simplejson",
        "toml",
        "tomli",
        "tomli-w",
        "tomlkit",
        "typing-extensions",
        "ujson",
        "email-validator",
        "annotated-types",
    ),
}

_BY_NAME: dict[str, Category] = {
    name: category for category, names in _TABLE.items() for name in names
}

# Families recognised by prefix (checked only when the exact name is not in the table).
_PREFIXES: tuple[tuple[str, Category], ...] = (
    ("django-", Category.WEB_FRAMEWORK),
    ("flask-", Category.WEB_FRAMEWORK),
    ("pytest-", Category.TESTING),
    ("types-", Category.CODE_QUALITY),
    ("flake8-", Category.CODE_QUALITY),
    ("mkdocs-", Category.CODE_QUALITY),
    ("sphinx-", Category.CODE_QUALITY),
    ("sphinxcontrib-", Category.CODE_QUALITY),
    ("opentelemetry-", Category.MONITORING),
    ("langchain-", Category.ML_AI),
    ("llama-index-", Category.ML_AI),
    ("nvidia-", Category.ML_AI),  # CUDA wheels pulled in by torch
    ("mypy-boto3-", Category.CODE_QUALITY),
)


def category_of(name: str) -> Category:
    """The category of a distribution (any spelling); :attr:`Category.OTHER` when unknown."""

    key = normalize_name(name)
    found = _BY_NAME.get(key)
    if found is not None:
        return found
    for prefix, category in _PREFIXES:
        if key.startswith(prefix):
            return category
    return Category.OTHER


_ALIASES: dict[str, Category] = {
    "web": Category.WEB_FRAMEWORK,
    "web-framework": Category.WEB_FRAMEWORK,
    "db": Category.DATABASE,
    "ml": Category.ML_AI,
    "ai": Category.ML_AI,
    "ml-ai": Category.ML_AI,
    "async-background": Category.ASYNC,
    "background": Category.ASYNC,
    "auth": Category.AUTH_SECURITY,
    "security": Category.AUTH_SECURITY,
    "test": Category.TESTING,
    "tests": Category.TESTING,
    "lint": Category.CODE_QUALITY,
    "dev-tools": Category.CODE_QUALITY,
    "http": Category.HTTP_CLIENT,
}


def parse_category(text: str) -> Category | None:
    """A category from what a person may write in configuration: ``"web framework"``, ``ml``,
    ``"ML/AI"``, ``code_quality``... ``None`` when it names no category."""

    key = re.sub(r"[\s_/]+", "-", text.strip().lower())
    for category in Category:
        if key == category.value:
            return category
    return _ALIASES.get(key)


def table() -> dict[Category, tuple[str, ...]]:
    """A copy of the table (for tests and ``analyze``)."""

    return dict(_TABLE)
