"""gRPC plumbing shared by every Visage service and the gateway: mTLS, server, client, error mapping."""

from libs.rpc.client import secure_channel, wait_healthy
from libs.rpc.server import RpcServer, ServerSettings, create_server, serve
from libs.rpc.status import abort_with, error_from_rpc
from libs.rpc.tls import TLSFiles, channel_credentials, server_credentials

__all__ = [
    "RpcServer",
    "ServerSettings",
    "TLSFiles",
    "abort_with",
    "channel_credentials",
    "create_server",
    "error_from_rpc",
    "secure_channel",
    "serve",
    "server_credentials",
    "wait_healthy",
]
