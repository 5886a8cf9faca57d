"""The application: assembles a Warden process from the runtime, gate, tools and the registered graph packages
(assembly.py), and the `warden` command (cli.py, demo.py). Nothing in agents/, graphs/, tools/, guardrails/ or
serving/ imports it."""
