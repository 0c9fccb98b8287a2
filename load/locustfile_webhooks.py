"""Locust: shops flooding the canonical order webhook with signed orders.

Each user is one shop connection posting `POST /webhooks/dovetail/orders` back to back (no
think time), a fresh external id per order, signed with the channel's secret as a shop signs
it. Only a 202 (Order.Placed durably stored) counts as success.

Run by `load.bench_webhooks` (through `load.locust_headless`); by hand against a running
platform: `locust -f load/locustfile_webhooks.py --headless -u 32 -t 20s -H http://127.0.0.1:8000`
(the secret comes from `--webhook-secret` / DOVETAIL_BENCH_WEBHOOK_SECRET, else the dev one).
"""

from __future__ import annotations

import json
import os
import uuid

from locust import FastHttpUser, constant, events, task

from services.kit.settings import DEV_WEBHOOK_SECRETS
from tests.helpers import order_payload
from webhook_signature import sign

NAME = "POST /webhooks/dovetail/orders"


@events.init_command_line_parser.add_listener
def _options(parser) -> None:
    parser.add_argument("--webhook-secret", default="", help="the dovetail channel's secret")


def secret_of(environment) -> str:
    opts = environment.parsed_options
    return (getattr(opts, "webhook_secret", "") or os.environ.get("DOVETAIL_BENCH_WEBHOOK_SECRET")
            or DEV_WEBHOOK_SECRETS["dovetail"])


class WebhookSender(FastHttpUser):
    wait_time = constant(0)
    connection_timeout = 30.0
    network_timeout = 30.0

    def on_start(self) -> None:
        self.secret = secret_of(self.environment)
        self.template = order_payload("X")

    @task
    def place_order(self) -> None:
        self.template["external_id"] = f"BENCH-{uuid.uuid4().hex}"
        body = json.dumps(self.template).encode()
        with self.client.post("/webhooks/dovetail/orders", data=body, name=NAME,
                              headers={"Dovetail-Signature": sign(self.secret, body),
                                       "Content-Type": "application/json"},
                              catch_response=True) as response:
            if response.status_code != 202:
                response.failure(f"HTTP {response.status_code}")
