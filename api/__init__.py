"""The staff surfaces: the HTTP API and the web console `warden up` serves (FastAPI on uvicorn).

Every person is a principal from the gate's directory (bearer token from `warden users add`); every action they
take goes through the same stores and gate paths the CLI uses. Nothing below `app/` imports this package.
"""
