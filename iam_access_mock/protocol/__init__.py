"""Wire formats, driven by botocore's service models.

``codec_for(protocol)`` returns the codec that parses requests and renders responses and
errors for one AWS protocol. Handlers never see the wire: they take and return dicts keyed
by the model's member names.
"""

from __future__ import annotations

from .base import Codec, HttpRequest, HttpResponse, protocol_of
from .json import JsonCodec
from .query import QueryCodec
from .rest_json import RestJsonCodec
from .unserved import ErrorOnlyCodec

_CODECS: dict[str, Codec] = {
    "query": QueryCodec(),
    "json": JsonCodec(),
    "rest-json": RestJsonCodec(),
}
_ERROR_ONLY = ErrorOnlyCodec()


def codec_for(protocol: str) -> Codec:
    """The codec for a protocol (see ``protocol_of``); other protocols can only render errors."""
    return _CODECS.get(protocol, _ERROR_ONLY)


__all__ = ["Codec", "HttpRequest", "HttpResponse", "codec_for", "protocol_of"]
