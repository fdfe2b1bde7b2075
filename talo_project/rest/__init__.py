"""The REST input toolkit both apps use: Talo's error bodies, validation in zod's wording,
pagination (docs/rest.md §2)."""
