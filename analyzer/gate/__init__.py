"""CI gates, judging only: `check` captures against a policy, `diff` a capture against a baseline, both over
unredacted summaries (`reading`); their outputs (terminal, Markdown, JUnit, JSON) are in `analyzer.render`."""
