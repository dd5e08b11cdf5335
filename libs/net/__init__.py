"""Outgoing HTTP for user-supplied URLs (`imageUrl`), safe against SSRF and DNS rebinding."""

from libs.net.fetch import FetchedImage, FetchPolicy, fetch_image

__all__ = ["FetchPolicy", "FetchedImage", "fetch_image"]
