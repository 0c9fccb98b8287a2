"""Delivery's pure domain: shipments, carrier rules, ETA, tracking links."""
