"""The configurator as its own process, the way `make up` starts it, without its consumers (in a
test session they would take other tests' orders): `python -m tests.integration.configurator.served_alone`."""

from __future__ import annotations

from dataclasses import replace

from services.configurator.application import ConfiguratorApplication
from services.configurator.main import NAME, build
from services.kit import runtime

if __name__ == "__main__":
    runtime.main(NAME, ConfiguratorApplication, lambda rt: replace(build(rt), consumers=[]))
