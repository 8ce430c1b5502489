"""Staff curation: inbox of misunderstood messages, curated training examples, local knowledge,
retrain-and-publish, overview and feedback (web UI under /staff, CLI ``assistant staff``)."""
