"""The iot domain: registry, machine state log, operations and stops, telemetry rules (pure)."""
