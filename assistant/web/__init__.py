"""The web server: demo page, widget assets, Rasa proxy, voice endpoints, checklists, calendar files."""
