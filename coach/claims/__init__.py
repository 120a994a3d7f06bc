"""Claim checking: extract concrete promises from a draft and verify them against facts read from the KB.

Facts are read from the text of the knowledge-base passages themselves (numbers with their topic words), not from
code or from our own file format, so the checker also works on a shop's KB written in another style.
"""
