"""The factory workspace in Chromium, in a package of its own: it starts its own services
(`tests.integration.workspace.platform`) on servers of its own (the integration package's
`settings`), apart from the portal package's services and the pool earlier packages left."""

from tests.e2e.portal.conftest import artifacts, browser  # noqa: F401 - fixtures shared
from tests.integration.workspace.conftest import settings  # noqa: F401
