"""Governed access for approved studies: `rarelog access grant | revoke | list | expire | members |
refresh` (docs/privacy.md, Study access, docs/decisions/0010-study-access.md).

A grant is a schema `study_<id>` of views over the warehouse, restricted to the approved cohort and
columns and carrying a pseudonym of the study's own, and a NOLOGIN role `study_<id>` that may read
those views and nothing else. Bookkeeping (grants, keys, audit) lives in a private schema
(`RARELOG_ACCESS_SCHEMA`, default `access`) that only its owner can read.
"""
