"""Configuration, read from environment variables (or a local .env file)."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ORDERS_", env_file=".env", extra="ignore"
    )

    app_name: str = "orders"
    # SQLite keeps local runs and tests free of a database server; compose sets Postgres.
    database_url: str = "sqlite:///./orders.db"
    debug: bool = False


@lru_cache
def get_settings() -> Settings:
    return Settings()
