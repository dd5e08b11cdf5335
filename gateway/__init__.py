"""The REST gateway: Regula's Face API over HTTP, served by the gRPC services (`gateway.app.create_app`)."""
