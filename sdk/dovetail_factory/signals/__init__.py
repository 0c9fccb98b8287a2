"""Synthetic current signals of furniture machines: nominal profiles per machine type and
labelled traces drawn from them.

`dovetail-factory telemetry simulate` streams them for a factory trying the chain out before
its sensors are fitted; the iot service's tests, the demo and the benchmarks draw from them too.
The server's own signal processing (services/iot/signals) learns from the signal and imports
none of this.
"""
