"""The production (scale-out) set-up: see deploy/README.md."""
