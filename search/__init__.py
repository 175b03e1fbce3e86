"""Citizen full-text search of the catalog, importable without Flask or the catalog.

``analysis`` (Chinese normalisation, segmentation, pinyin, synonyms) → ``documents``
(catalog row → search document and index record) → ``query`` (one request type, each
engine's query, one filter registry) → ``engines`` (Elasticsearch and embedded tantivy
behind one contract in ``engines.base``). ``outbox`` drains catalog changes into an engine.
"""
