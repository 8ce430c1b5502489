"""Code that runs inside the Rasa environment (.venv/rasa) for the scaled profile: an atomic Redis
lock store, a tracker store that fails loudly, a REST channel that reports failures, and a
launcher that wires them in. Imported by Rasa via PYTHONPATH (see endpoints-scaled.yml)."""
