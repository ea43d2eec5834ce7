"""Synthetic national cohort for `rarelog generate`.

params (stated rates) · names, places, codes (reference lists) · sampling, dates (helpers) ·
identities (true persons and foetuses) · clinical (a patient's course) · care, record (what one
centre's record shows) · errors (identity errors of further records) · invalid (faults ingest
refuses) · generator (the stream, the files) · cli (arguments and help text).
"""
