"""AgentDojo (the `agentdojo` package) banking and slack suites with Warden's policy engine as the defense.
Run with `make eval-agentdojo`: it installs agentdojo in its own virtualenv (its model SDKs stay out of Warden's)."""
