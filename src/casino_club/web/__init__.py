"""Browser UI: pages, templates and static assets."""
