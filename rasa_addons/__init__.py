"""Our code that runs inside the Rasa process (tracker store). Not part of the NLU fingerprint."""
