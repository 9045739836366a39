"""The pure domain: bands, concerts, their domain events and identity rules."""
