"""A doctor run as a bundle safe to paste into a support ticket: secrets removed, token
signatures dropped, personal data replaced by stable short hashes, and what support needs kept.

`pseudonyms` (the keyed hashes), `scrub` (the walk over the report), `bundle` (what goes in,
JSON and Markdown).
"""

from tokenlab.core.share.bundle import REDACTIONS, share_bundle, share_markdown, share_text
from tokenlab.core.share.pseudonyms import Pseudonyms

__all__ = ["REDACTIONS", "Pseudonyms", "share_bundle", "share_markdown", "share_text"]
