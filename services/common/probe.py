"""`python -m services.common.probe <service>`: exit 0 when this pod's service answers SERVING.

Kubernetes' built-in gRPC probe speaks plaintext, and our services accept mutual TLS only, so the probe runs
inside the container with the service's own settings and certificate.
"""

from __future__ import annotations

import asyncio
import sys

from libs.errors import VisageError
from libs.rpc import secure_channel, wait_healthy
from services.common.settings import ServiceSettings
from services.detection.settings import DetectionSettings
from services.identification.settings import IdentificationSettings
from services.liveness.settings import LivenessSettings
from services.matching.settings import MatchingSettings

SETTINGS: dict[str, type[ServiceSettings]] = {
    "detection": DetectionSettings,
    "matching": MatchingSettings,
    "liveness": LivenessSettings,
    "identification": IdentificationSettings,
}


async def _probe(settings: ServiceSettings, timeout: float) -> None:
    target = f"127.0.0.1:{settings.server.port}"
    async with secure_channel(target, settings.tls, server_name_override="localhost") as channel:
        await wait_healthy(channel, timeout=timeout)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 1 or args[0] not in SETTINGS:
        print(f"usage: python -m services.common.probe {{{','.join(SETTINGS)}}}", file=sys.stderr)
        return 2
    try:
        asyncio.run(_probe(SETTINGS[args[0]](), timeout=3.0))
    except (VisageError, OSError) as error:
        print(f"{args[0]} is not serving: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
