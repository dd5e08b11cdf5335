"""API keys: what a key may do (scopes), how it is made and checked (keys), where it is kept (repository),
how fast it may call (limits). Testable without a network; the gateway wires it in front of every data route.
"""
