"""Rate limits (Litestar's limiter: per client address, per gateway process, before auth).

Behind a proxy every client shares the proxy's address: put the limit in the proxy then, or
pass `identifier_for_request` reading a trusted X-Forwarded-For. Webhook limits are generous
(shops burst on sales; the load benchmark posts hundreds a second from one address): they stop
floods, not traffic. Sign-in is tight: it guards admin keys against guessing.
"""

from __future__ import annotations

from litestar.middleware.rate_limit import RateLimitConfig

webhook_limit = RateLimitConfig(rate_limit=("second", 2000), store="rate_limit_webhooks")
sign_in_limit = RateLimitConfig(rate_limit=("minute", 10), store="rate_limit_sign_in")
