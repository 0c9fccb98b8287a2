"""Locust: people reading the portal's REST lists, back to back.

Each user is one portal client calling one GET (path and query string from the `path`
option) with the admin key, without think time; only a 200 counts. Run by
`load.bench_portal_reads` through `load.locust_headless`, one run per endpoint, so each
endpoint's figures stand on their own.
"""

from __future__ import annotations

from locust import FastHttpUser, constant, task

NAME = "GET"


class PortalReader(FastHttpUser):
    wait_time = constant(0)
    connection_timeout = 30.0
    network_timeout = 30.0

    def on_start(self) -> None:
        options = self.environment.parsed_options
        self.path = options.path
        key = getattr(options, "admin_key", "")
        self.headers = {"Authorization": f"Bearer {key}"} if key else {}

    @task
    def read(self) -> None:
        with self.client.get(self.path, name=NAME, headers=self.headers,
                             catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"HTTP {response.status_code}")
