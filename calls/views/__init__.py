"""The product's pages, one module per page (shared pieces in responses)."""
