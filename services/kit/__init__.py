"""The runtime every Dovetail service shares: settings, persistence, relay, consumers, gRPC."""
