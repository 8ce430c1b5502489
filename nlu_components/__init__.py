"""Custom Rasa NLU components (run inside the Rasa environment; no imports from ``assistant``)."""
