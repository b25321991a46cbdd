"""The public API v1 (docs/api.md): personal API tokens, the django-ninja API mounted
at /api/v1/ with one router per domain (routers/), the one JSON error shape
(errors.py), cursor pagination (pagination.py), and the logged-in pages to manage
one's tokens and read the API's documentation."""
