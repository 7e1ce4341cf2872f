"""PEM and DER, as far as IAM checks them: X.509 certificates (validity, RSA key), private
keys (their RSA modulus), and RSA public keys in OpenSSH and PEM form.

A minimal DER reader, bounded by its input: every length is checked against what is left,
nothing recurses deeper than the few fixed levels read, and anything off is ``DerError``,
which the handlers answer with IAM's own error for the field.
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass
from datetime import datetime, timezone

_RSA_ALGORITHM = bytes.fromhex("2a864886f70d010101")  # 1.2.840.113549.1.1.1, rsaEncryption
_SEQUENCE, _INTEGER, _BIT_STRING, _OCTET_STRING, _OID = 0x30, 0x02, 0x03, 0x04, 0x06
_UTC_TIME, _GENERALIZED_TIME = 0x17, 0x18


class DerError(ValueError):
    """Not the PEM or DER expected."""


def pem_blocks(text: str, labels: tuple[str, ...]) -> list[bytes]:
    """The DER of each PEM block in ``text`` whose label is one of ``labels``, in order;
    DerError when there is none, or one is not base64. One pass: a BEGIN line without its
    END ends the scan (no pattern backtracks over the rest of the text)."""
    found, at = [], 0
    while True:
        begin = text.find("-----BEGIN ", at)
        if begin < 0:
            break
        label_end = text.find("-----", begin + 11)
        if label_end < 0:
            break
        label = text[begin + 11 : label_end]
        end_marker = f"-----END {label}-----"
        end = text.find(end_marker, label_end + 5)
        if end < 0:
            break
        if label in labels:
            body = "".join(text[label_end + 5 : end].split())
            try:
                found.append(base64.b64decode(body, validate=True))
            except (binascii.Error, ValueError):
                raise DerError("not base64") from None
        at = end + len(end_marker)
    if not found:
        raise DerError("no PEM block")
    return found


def _read(data: bytes, at: int, end: int) -> tuple[int, int, int]:
    """The tag, content start and content end of the element at ``at``."""
    if at + 2 > end:
        raise DerError("cut short")
    tag, length = data[at], data[at + 1]
    at += 2
    if length & 0x80:
        size = length & 0x7F
        if size == 0 or size > 4 or at + size > end:
            raise DerError("bad length")
        length = int.from_bytes(data[at : at + size], "big")
        at += size
    if at + length > end:
        raise DerError("cut short")
    return tag, at, at + length


def _children(data: bytes, start: int, end: int) -> list[tuple[int, int, int]]:
    found = []
    while start < end:
        tag, content, after = _read(data, start, end)
        found.append((tag, content, after))
        start = after
    return found


def _expect(element: tuple[int, int, int], tag: int) -> tuple[int, int]:
    if element[0] != tag:
        raise DerError("unexpected element")
    return element[1], element[2]


def _integer(data: bytes, element: tuple[int, int, int]) -> int:
    start, end = _expect(element, _INTEGER)
    if start == end:
        raise DerError("empty integer")
    return int.from_bytes(data[start:end], "big", signed=True)


def _time(data: bytes, element: tuple[int, int, int]) -> datetime:
    tag, start, end = element
    text = data[start:end].decode("ascii", "replace")
    try:
        if tag == _UTC_TIME and len(text) == 13 and text.endswith("Z"):
            # RFC 5280: two-digit years from 50 are 19YY, the others 20YY.
            century = "19" if text[:2] >= "50" else "20"
            when = datetime.strptime(century + text, "%Y%m%d%H%M%SZ")
        elif tag == _GENERALIZED_TIME and len(text) == 15 and text.endswith("Z"):
            when = datetime.strptime(text, "%Y%m%d%H%M%SZ")
        else:
            raise DerError("bad time")
    except ValueError:
        raise DerError("bad time") from None
    return when.replace(tzinfo=timezone.utc)


def _rsa_public(data: bytes, spki: tuple[int, int, int]) -> tuple[int, int] | None:
    """(modulus, exponent) of a SubjectPublicKeyInfo; None for a key that is not RSA."""
    start, end = _expect(spki, _SEQUENCE)
    parts = _children(data, start, end)
    if len(parts) != 2:
        raise DerError("bad key info")
    algorithm = _children(data, *_expect(parts[0], _SEQUENCE))
    if not algorithm or algorithm[0][0] != _OID:
        raise DerError("bad algorithm")
    if data[algorithm[0][1] : algorithm[0][2]] != _RSA_ALGORITHM:
        return None
    bits_start, bits_end = _expect(parts[1], _BIT_STRING)
    if bits_start == bits_end or data[bits_start] != 0:
        raise DerError("bad bit string")
    key = _children(data, bits_start + 1, bits_end)
    if len(key) != 1:
        raise DerError("bad key")
    numbers = _children(data, *_expect(key[0], _SEQUENCE))
    if len(numbers) != 2:
        raise DerError("bad RSA key")
    return _positive(_integer(data, numbers[0])), _positive(_integer(data, numbers[1]))


def _positive(number: int) -> int:
    if number <= 0:
        raise DerError("not a positive integer")
    return number


@dataclass(frozen=True)
class Certificate:
    not_before: datetime
    not_after: datetime
    rsa_modulus: int | None  # None: a key of another algorithm


def read_certificate(der: bytes) -> Certificate:
    """What IAM reads of an X.509 certificate: its validity and, for RSA, its modulus."""
    top = _children(der, 0, len(der))
    if len(top) != 1:
        raise DerError("not one certificate")
    parts = _children(der, *_expect(top[0], _SEQUENCE))
    if len(parts) != 3:
        raise DerError("not a certificate")
    fields = _children(der, *_expect(parts[0], _SEQUENCE))
    if fields and fields[0][0] == 0xA0:  # [0] version
        fields = fields[1:]
    if len(fields) < 6:
        raise DerError("not a certificate")
    _integer(der, fields[0])  # serialNumber
    validity = _children(der, *_expect(fields[3], _SEQUENCE))
    if len(validity) != 2:
        raise DerError("bad validity")
    public = _rsa_public(der, fields[5])
    return Certificate(
        _time(der, validity[0]), _time(der, validity[1]), None if public is None else public[0]
    )


def private_key_modulus(der: bytes, label: str) -> int | None:
    """The RSA modulus of a private key (PKCS#1 "RSA PRIVATE KEY" or PKCS#8 "PRIVATE KEY");
    None for a key of another algorithm."""
    top = _children(der, 0, len(der))
    if len(top) != 1:
        raise DerError("not one key")
    parts = _children(der, *_expect(top[0], _SEQUENCE))
    if label == "RSA PRIVATE KEY":
        if len(parts) < 3:
            raise DerError("not an RSA key")
        return _integer(der, parts[1])
    if label != "PRIVATE KEY":
        return None  # "EC PRIVATE KEY" and others: not checked against the certificate
    if len(parts) < 3:
        raise DerError("not a PKCS#8 key")
    algorithm = _children(der, *_expect(parts[1], _SEQUENCE))
    if not algorithm or algorithm[0][0] != _OID:
        raise DerError("bad algorithm")
    if der[algorithm[0][1] : algorithm[0][2]] != _RSA_ALGORITHM:
        return None
    inner_start, inner_end = _expect(parts[2], _OCTET_STRING)
    inner = _children(der, inner_start, inner_end)
    if len(inner) != 1:
        raise DerError("bad key")
    numbers = _children(der, *_expect(inner[0], _SEQUENCE))
    if len(numbers) < 3:
        raise DerError("not an RSA key")
    return _integer(der, numbers[1])


# ---- RSA public keys: OpenSSH's "ssh-rsa" and PEM's SubjectPublicKeyInfo --------------------


def _ssh_strings(blob: bytes) -> list[bytes]:
    found, at = [], 0
    while at < len(blob):
        if at + 4 > len(blob):
            raise DerError("cut short")
        (length,) = struct.unpack(">I", blob[at : at + 4])
        at += 4
        if at + length > len(blob):
            raise DerError("cut short")
        found.append(blob[at : at + length])
        at += length
    return found


def ssh_rsa_key(text: str) -> tuple[int, int]:
    """(modulus, exponent) of an OpenSSH "ssh-rsa AAAA... comment" line."""
    fields = text.split()
    if len(fields) < 2 or fields[0] != "ssh-rsa":
        raise DerError("not ssh-rsa")
    try:
        blob = base64.b64decode(fields[1], validate=True)
    except (binascii.Error, ValueError):
        raise DerError("not base64") from None
    parts = _ssh_strings(blob)
    if len(parts) != 3 or parts[0] != b"ssh-rsa":
        raise DerError("not an RSA key")
    if not parts[1] or not parts[2] or parts[1][0] & 0x80 or parts[2][0] & 0x80:
        raise DerError("not positive")  # mpints are two's complement
    return _positive(int.from_bytes(parts[2], "big")), _positive(int.from_bytes(parts[1], "big"))


def pem_rsa_key(der: bytes) -> tuple[int, int]:
    top = _children(der, 0, len(der))
    if len(top) != 1:
        raise DerError("not one key")
    public = _rsa_public(der, top[0])
    if public is None:
        raise DerError("not an RSA key")
    return public


def _mpint(number: int) -> bytes:
    data = number.to_bytes(number.bit_length() // 8 + 1, "big")  # a leading 0 keeps it positive
    return struct.pack(">I", len(data)) + data


def ssh_blob(modulus: int, exponent: int) -> bytes:
    return struct.pack(">I", 7) + b"ssh-rsa" + _mpint(exponent) + _mpint(modulus)


def _der(tag: int, content: bytes) -> bytes:
    length = len(content)
    if length < 0x80:
        return bytes([tag, length]) + content
    size = (length.bit_length() + 7) // 8
    return bytes([tag, 0x80 | size]) + length.to_bytes(size, "big") + content


def _der_integer(number: int) -> bytes:
    return _der(_INTEGER, number.to_bytes(number.bit_length() // 8 + 1, "big"))


def pem_public_key(modulus: int, exponent: int) -> str:
    """The key as PEM "PUBLIC KEY" (SubjectPublicKeyInfo), 64 characters a line."""
    algorithm = _der(_SEQUENCE, _der(_OID, _RSA_ALGORITHM) + b"\x05\x00")
    key = _der(_SEQUENCE, _der_integer(modulus) + _der_integer(exponent))
    spki = _der(_SEQUENCE, algorithm + _der(_BIT_STRING, b"\x00" + key))
    text = base64.b64encode(spki).decode()
    lines = [text[at : at + 64] for at in range(0, len(text), 64)]
    return "-----BEGIN PUBLIC KEY-----\n" + "\n".join(lines) + "\n-----END PUBLIC KEY-----\n"
