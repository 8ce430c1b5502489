"""Staff area (``/staff``): an aiohttp sub-application, one module per page group, Jinja2 templates
for the form pages (``assistant/curation/templates/``), middlewares for session, CSRF and roles."""
