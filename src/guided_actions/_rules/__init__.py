"""Layer 4, rules: the rule base class, the time-filtered view every rule reads (RuleContext)
and the criteria rules share. The built-in rules live in the public ``guided_actions.rules``."""
