"""The factory workspace in Chromium, in a package of its own: it starts its own services
(`tests.integration.workspace.platform`), and in the portal's package the package-scoped
services would still be running beside them - their scheduling leads, and the workspace's
order is never planned by the scheduling the test reads from."""

from tests.e2e.portal.conftest import artifacts, browser  # noqa: F401 - fixtures shared
