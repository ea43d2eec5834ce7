"""Error-tolerant record linkage on the pseudonymizer's keyed encodings (docs/linkage.md).

Pure computation: filters arrive as bytes, blocking keys as hex strings; the model is a plain
dict of floats; decisions are plain values. Nothing here needs the key or the clear identity.
"""
from .assign import AssignParams, Decision, PatientIndex, decide, refit
from .blocking import BlockingParams, KeyIndex, KeyMaker, candidate_pairs
from .filters import FIELDS, FilterStore, dice, record_from_encoding
from .model import COMPARED, DEFAULT_THRESHOLDS, Model, fit, levels, similarities

__all__ = ["AssignParams", "BlockingParams", "COMPARED", "DEFAULT_THRESHOLDS", "Decision", "FIELDS", "FilterStore",
           "KeyIndex", "KeyMaker", "Model", "PatientIndex", "candidate_pairs", "decide", "dice", "fit", "levels",
           "record_from_encoding", "refit", "similarities"]
