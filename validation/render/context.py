"""Everything one run's render needs: where to write, the address map, the credentials."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from pathlib import Path

from validation.core.settings import REAL_TIME
from validation.render.addresses import AddressMap
from validation.render.tls import RunCA


@dataclass
class RenderContext:
    """Shared by every render step of one run.

    ``password`` is fresh per run and replaces every user's password: the user names of the
    configs are kept, so a wrong user name is still a wrong user name under test.
    """

    run_dir: Path
    addresses: AddressMap
    time_scale: float = REAL_TIME
    min_interval_ms: int = 0  # sampling floor: no scrape/evaluation interval below it (0: none)
    password: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    warnings: list[str] = field(default_factory=list)
    _ca: RunCA | None = None

    @property
    def ca(self) -> RunCA:
        """The run's certificate authority (made on first use: a stack without TLS never needs it)."""
        if self._ca is None:
            self._ca = RunCA(self.run_dir / "tls")
        return self._ca

    @property
    def uses_tls(self) -> bool:
        return self._ca is not None and bool(self._ca.issued)

    @property
    def config_dir(self) -> Path:
        return self.run_dir / "config"

    @property
    def secrets_dir(self) -> Path:
        return self.run_dir / "secrets"

    def password_file(self) -> Path:
        path = self.secrets_dir / "password"
        if not path.exists():
            self.secrets_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(self.password, encoding="utf-8")
            path.chmod(0o600)
        return path

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)
