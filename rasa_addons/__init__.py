"""Code that runs inside the Rasa environment (.venv/rasa), imported by Rasa via PYTHONPATH: an
atomic Redis lock store, the tracker store (redaction, checkpoints, no silent fall-back), a REST
channel that reports failures, and a launcher that wires them in for the scaled profile. Not part of
the NLU fingerprint."""
