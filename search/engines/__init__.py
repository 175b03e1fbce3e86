"""The two search engines behind one contract (``base.SearchEngine``).

``embedded`` (tantivy, in-process) is the default; ``elasticsearch`` serves production and
scale. Both index the same records and run the same scoring clauses, so they rank alike.
"""
