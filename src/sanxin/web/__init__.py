"""The site layer, on top of every domain app: pages that bring several apps
together (home pages, the household page), the demo district and, later, the
JSON API. Nothing below imports from here (docs/architecture.md, layers)."""
