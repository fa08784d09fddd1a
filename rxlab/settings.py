"""One pydantic-settings ``Settings`` read from the environment and ``.env``."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

LOCAL_MODEL = "local/smollm2-135m"


class Settings(BaseSettings):
    """Everything rxlab can be configured with. Every field reads ``RXLAB_<NAME>``."""

    model_config = SettingsConfigDict(
        env_prefix="RXLAB_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    home: Path = Field(default=Path(".rxlab"), description="Where databases, caches and logs live.")
    agent_model: str = Field(default=LOCAL_MODEL, description="Model the labs' roles call.")
    task_model: str = Field(default=LOCAL_MODEL, description="Model architectures call by default.")
    budget_tokens: int | None = Field(default=200_000, description="Default token budget.")
    budget_calls: int | None = Field(default=None, description="Default call budget.")
    budget_dollars: float | None = Field(default=1.0, description="Default dollar budget.")
    database_url: str | None = Field(
        default=None, description="SQLAlchemy URL; default is SQLite under home."
    )
    cache: bool = Field(default=True, description="Use the on-disk response cache.")

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{(self.home / 'rxlab.db').resolve()}"

    def ensure_home(self) -> Path:
        self.home.mkdir(parents=True, exist_ok=True)
        return self.home


def get_settings() -> Settings:
    """Read settings afresh (no module-level singleton: tests change the environment)."""
    return Settings()
