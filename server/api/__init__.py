"""REST API under /api/v1 for web pages and integrations."""
