"""The lending pages, one module per part."""
