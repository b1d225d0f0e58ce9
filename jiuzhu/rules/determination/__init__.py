"""The determination rules (pure: no Django, no database).

``formulas`` — the vectorised formulas (integer fen); ``paramtable`` — parameters resolved
per (county, area); ``household`` — the interchange format; ``explain`` — explanations;
``cases`` — the YAML policy cases; ``codes`` — integer codes and category labels.
"""
