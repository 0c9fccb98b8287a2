"""Where the command line finds its server and key: flags, then DOVETAIL_FACTORY_* variables,
then the file `login` wrote (~/.config/dovetail-factory/config.json, readable by its owner only).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

from dovetail_factory.book import write_private
from dovetail_factory.client import FactoryClient, default_state_dir
from dovetail_factory.connection import TlsConfig
from dovetail_factory.errors import FactoryClientError
from dovetail_factory.spool import DiskSpool

DEFAULT_TARGET = "127.0.0.1"  # `make up` on this machine: scheduling 50053, iot 50055


class NotLoggedIn(FactoryClientError):
    exit_code = 3


@dataclass(frozen=True)
class Profile:
    """How to reach the chain and as whom."""

    target: str = DEFAULT_TARGET
    key: str = ""
    iot_target: str = ""
    tls: bool = False
    ca_file: str = ""
    cert_file: str = ""
    cert_key_file: str = ""
    factory_id: str = ""
    configurator_target: str = ""  # board stock, when not at the target's host and default port

    @property
    def tls_config(self) -> TlsConfig | bool | None:
        if self.ca_file or self.cert_file:
            return TlsConfig(self.ca_file or None, self.cert_file or None,
                             self.cert_key_file or None)
        return True if self.tls else None

    def client(self, consumer: str = "cli", disk_spool: bool = False) -> FactoryClient:
        if not self.key:
            raise NotLoggedIn("no key: run `dovetail-factory login` or set DOVETAIL_FACTORY_KEY")
        client = FactoryClient(self.target, self.key, tls=self.tls_config,
                               iot_target=self.iot_target or None,
                               factory_id=self.factory_id or None, consumer=consumer,
                               configurator_target=self.configurator_target or None)
        if disk_spool:
            client.spool = DiskSpool(default_state_dir() / f"telemetry-{client.identity}.sqlite")
        return client


def config_dir() -> Path:
    home = os.environ.get("DOVETAIL_FACTORY_HOME")
    if home:
        return Path(home).expanduser()
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "dovetail-factory"


def config_path() -> Path:
    return config_dir() / "config.json"


def load(target: str | None = None, iot_target: str | None = None,
         configurator_target: str | None = None) -> Profile:
    """The profile in force: flags over environment over the saved file."""
    profile = Profile()
    path = config_path()
    if path.exists():
        try:
            saved = json.loads(path.read_text())
        except (OSError, ValueError) as exc:
            raise FactoryClientError(f"{path} is not readable ({exc}): run login again") from None
        known = {f.name for f in fields(Profile)}
        profile = Profile(**{k: v for k, v in saved.items() if k in known})
    env = os.environ
    if env.get("DOVETAIL_FACTORY_KEY"):
        profile = replace(profile, key=env["DOVETAIL_FACTORY_KEY"], factory_id="")
    if env.get("DOVETAIL_FACTORY_TARGET"):
        profile = replace(profile, target=env["DOVETAIL_FACTORY_TARGET"])
    if env.get("DOVETAIL_FACTORY_IOT_TARGET"):
        profile = replace(profile, iot_target=env["DOVETAIL_FACTORY_IOT_TARGET"])
    if env.get("DOVETAIL_FACTORY_CONFIGURATOR_TARGET"):
        profile = replace(profile, configurator_target=env["DOVETAIL_FACTORY_CONFIGURATOR_TARGET"])
    if target:
        profile = replace(profile, target=target)
    if iot_target:
        profile = replace(profile, iot_target=iot_target)
    if configurator_target:
        profile = replace(profile, configurator_target=configurator_target)
    return profile


def save(profile: Profile) -> Path:
    path = config_path()
    write_private(path, json.dumps(asdict(profile), indent=2) + "\n")
    return path
