"""The factory workspace (`/factory`): what a factory's people need from a browser, tablet
first. Each machine's queue for this shift, one-tap start / finish / scrap (the same idempotent
reports as the SDK's gRPC calls), printable cut lists and part labels, machine states with a
breakdown report and planned stops, and machines registered from a CSV file. A factory person
sees and acts on their own factory only (docs/security.md, "The factory workspace").
"""
