"""Personal document checklists: which questions matter, the personal list, the pre-check."""
