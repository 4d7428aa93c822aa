"""CI gates: `check` captures against a policy, `diff` a capture against a baseline, in JUnit, Markdown and JSON."""
