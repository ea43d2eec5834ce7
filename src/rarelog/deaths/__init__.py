"""Vital status from INSEE's public deceased-persons file ("fichier des personnes décédées").

insee (the fixed-width layout: a streaming reader, and the writer of one line) · generate
(INSEE-format test files: deaths of a synthetic cohort's patients among strangers, with their
ground truth; the `rarelog deaths generate` hooks) · people (who dies on them: the cohort's
patients, strangers) · variations (how a patient's line differs from the registry's identity) ·
places (commune and country labels, the birth place codes of commune mergers).
"""
