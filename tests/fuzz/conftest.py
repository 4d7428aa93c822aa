"""Hypothesis profiles for the fuzz harness: `ci` (the default: reproducible and bounded, the whole folder in
under a minute on two cores) and `long` (many more examples, random seeds), chosen with HAR_ANALYZER_FUZZ_PROFILE
(docs/security.md, "Fuzzing")."""

from __future__ import annotations

import os

from hypothesis import HealthCheck, Phase, settings

_SLOW_INPUTS = [HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much]

# derandomize: every CI run tries the same examples, so a failure reproduces; the database is off, so runs do not
# depend on what an earlier run left in .hypothesis/.
settings.register_profile(
    "ci", derandomize=True, database=None, max_examples=40, deadline=None, suppress_health_check=_SLOW_INPUTS,
    phases=[Phase.explicit, Phase.generate, Phase.shrink],
)  # fmt: skip
# Random seeds and the example database: a failure is printed with its seed and saved for the next run.
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=_SLOW_INPUTS, print_blob=True)
settings.load_profile(os.environ.get("HAR_ANALYZER_FUZZ_PROFILE", "ci"))
