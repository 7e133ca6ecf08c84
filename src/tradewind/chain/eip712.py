"""EIP-712 typed structured data: hashing and signing, one implementation for RFQ and custody.

    digest = keccak256(0x19 0x01 ‖ hashStruct("EIP712Domain", domain) ‖ hashStruct(primary, msg))
    hashStruct(T, v) = keccak256(typeHash(T) ‖ encodeData(T, v))
    typeHash(T) = keccak256(encodeType(T))   # T's fields, then referenced structs sorted by name

Atomic values encode as one 32-byte word (``uintN``/``intN`` two's complement, ``address``,
``bool``, ``bytesN`` right-padded); ``bytes`` and ``string`` as the keccak of their content;
arrays (``T[]``, ``T[k]``, nested) as the keccak of their elements' concatenated encodings; a
struct member as its ``hashStruct``. Values are validated at encoding: out-of-range integers,
malformed addresses, wrong array lengths, unknown or missing fields raise ``EIP712Error``.

``TypedData`` holds the schema and caches type hashes; ``DigestSigner`` signs with libsecp256k1
through coincurve (several times faster than eth-account's path; docs/performance.md) and
returns a low-s signature with ``v`` in {27, 28}. ``recover_signer`` inverts it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from coincurve import PrivateKey, PublicKey
from eth_hash.auto import keccak
from eth_utils.address import is_hex_address, to_checksum_address

__all__ = [
    "DOMAIN_TYPE",
    "DigestSigner",
    "EIP712Error",
    "Signature",
    "TypedData",
    "domain_fields",
    "domain_separator",
    "hash_typed_data",
    "recover_signer",
    "sign_digest",
]

SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_HALF_N = SECP256K1_N // 2

# The EIP712Domain fields in the order the specification lists them; a domain uses a subset.
DOMAIN_TYPE: tuple[tuple[str, str], ...] = (
    ("name", "string"),
    ("version", "string"),
    ("chainId", "uint256"),
    ("verifyingContract", "address"),
    ("salt", "bytes32"),
)

_ARRAY = re.compile(r"^(.+)\[(\d*)\]$")
_UINT = re.compile(r"^uint(\d{1,3})$")
_INT = re.compile(r"^int(\d{1,3})$")
_BYTES_N = re.compile(r"^bytes(\d{1,2})$")
_IDENT = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


class EIP712Error(ValueError):
    """A schema or a value that does not follow EIP-712; the message names the field."""


Types = Mapping[str, Sequence[tuple[str, str]]]


def domain_fields(domain: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The EIP712Domain fields ``domain`` uses, in the specification's order."""
    unknown = set(domain) - {name for name, _ in DOMAIN_TYPE}
    if unknown:
        raise EIP712Error(f"unknown EIP712Domain field(s): {', '.join(sorted(unknown))}")
    return tuple((name, kind) for name, kind in DOMAIN_TYPE if name in domain)


@dataclass(frozen=True)
class TypedData:
    """A set of EIP-712 struct types (name -> ordered (field, type) pairs) with cached hashes.

    ``EIP712Domain`` may be omitted: it is derived from the domain actually passed. Type hashes
    are computed once per type; encoding a value is then one keccak per struct or dynamic field.
    """

    types: Mapping[str, tuple[tuple[str, str], ...]]
    _type_hashes: dict[str, bytes] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_types(cls, types: Mapping[str, Sequence[Any]]) -> TypedData:
        """Build from ``{"Mail": [("from", "Person"), …]}`` or eth_account's
        ``{"Mail": [{"name": "from", "type": "Person"}, …]}``; checks every referenced type."""
        normal: dict[str, tuple[tuple[str, str], ...]] = {}
        for struct, members in types.items():
            if not _IDENT.match(struct):
                raise EIP712Error(f"invalid struct name {struct!r}")
            pairs: list[tuple[str, str]] = []
            for member in members:
                if isinstance(member, Mapping):
                    name, kind = member.get("name"), member.get("type")
                else:
                    name, kind = member
                if not isinstance(name, str) or not isinstance(kind, str) or not name:
                    raise EIP712Error(f"{struct}: a member needs a name and a type")
                pairs.append((name, kind))
            if len({name for name, _ in pairs}) != len(pairs):
                raise EIP712Error(f"{struct}: duplicate member names")
            normal[struct] = tuple(pairs)
        data = cls(normal)
        for struct, members in normal.items():
            for name, kind in members:
                base = _base_type(kind)
                if base not in normal and not _is_atomic_or_dynamic(base):
                    raise EIP712Error(f"{struct}.{name}: unknown type {kind!r}")
        return data

    def _dependencies(self, primary: str) -> list[str]:
        found: list[str] = []
        stack = [primary]
        while stack:
            struct = stack.pop()
            if struct in found:
                continue
            found.append(struct)
            for _, kind in self.types[struct]:
                base = _base_type(kind)
                if base in self.types and base not in found:
                    stack.append(base)
        return found

    def encode_type(self, primary: str) -> str:
        """``Mail(Person from,Person to,string contents)Person(string name,address wallet)``."""
        if primary not in self.types:
            raise EIP712Error(f"unknown struct type {primary!r}")
        deps = self._dependencies(primary)
        ordered = [primary, *sorted(d for d in deps if d != primary)]
        return "".join(
            f"{name}({','.join(f'{kind} {member}' for member, kind in self.types[name])})"
            for name in ordered
        )

    def type_hash(self, primary: str) -> bytes:
        """keccak256 of ``encode_type(primary)``, cached."""
        cached = self._type_hashes.get(primary)
        if cached is None:
            cached = keccak(self.encode_type(primary).encode())
            self._type_hashes[primary] = cached
        return cached

    def encode_data(self, primary: str, value: Mapping[str, Any]) -> bytes:
        """``typeHash ‖ enc(field_1) ‖ … ‖ enc(field_n)`` (each field one 32-byte word)."""
        if not isinstance(value, Mapping):
            raise EIP712Error(f"{primary}: expected a mapping, got {type(value).__name__}")
        members = self.types[primary]
        extra = set(value) - {name for name, _ in members}
        if extra:
            raise EIP712Error(f"{primary}: unknown field(s) {', '.join(sorted(extra))}")
        words = [self.type_hash(primary)]
        for name, kind in members:
            if name not in value:
                raise EIP712Error(f"{primary}.{name}: missing")
            words.append(self._encode_value(kind, value[name], f"{primary}.{name}"))
        return b"".join(words)

    def hash_struct(self, primary: str, value: Mapping[str, Any]) -> bytes:
        """keccak256 of ``encode_data(primary, value)``."""
        return keccak(self.encode_data(primary, value))

    def _encode_value(self, kind: str, value: Any, where: str) -> bytes:
        array = _ARRAY.match(kind)
        if array:
            inner, length = array.group(1), array.group(2)
            if isinstance(value, str | bytes | Mapping) or not isinstance(value, Sequence):
                raise EIP712Error(f"{where}: {kind} needs a list")
            if length and len(value) != int(length):
                raise EIP712Error(f"{where}: {kind} needs {length} items, got {len(value)}")
            return keccak(
                b"".join(
                    self._encode_value(inner, item, f"{where}[{i}]") for i, item in enumerate(value)
                )
            )
        if kind in self.types:
            return self.hash_struct(kind, value)
        return _encode_atomic(kind, value, where)


def _base_type(kind: str) -> str:
    while True:
        array = _ARRAY.match(kind)
        if not array:
            return kind
        kind = array.group(1)


def _is_atomic_or_dynamic(kind: str) -> bool:
    if kind in {"address", "bool", "string", "bytes"}:
        return True
    for pattern, low, high, step in ((_UINT, 8, 256, 8), (_INT, 8, 256, 8), (_BYTES_N, 1, 32, 1)):
        match = pattern.match(kind)
        if match:
            size = int(match.group(1))
            return low <= size <= high and size % step == 0
    return False


def _as_int(value: Any, where: str) -> int:
    if isinstance(value, bool):
        raise EIP712Error(f"{where}: expected an integer, got a bool")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text, 16) if text[:2].lower() in {"0x", "-0x"} else int(text)
        except ValueError:
            raise EIP712Error(f"{where}: {value!r} is not an integer") from None
    raise EIP712Error(f"{where}: expected an integer, got {type(value).__name__}")


def _as_bytes(value: Any, where: str) -> bytes:
    if isinstance(value, bytes | bytearray):
        return bytes(value)
    if isinstance(value, str):
        text = value[2:] if value[:2].lower() == "0x" else value
        try:
            return bytes.fromhex(text)
        except ValueError:
            raise EIP712Error(f"{where}: {value!r} is not hex") from None
    raise EIP712Error(f"{where}: expected bytes or 0x-hex, got {type(value).__name__}")


def _encode_atomic(kind: str, value: Any, where: str) -> bytes:
    if kind == "string":
        if not isinstance(value, str):
            raise EIP712Error(f"{where}: expected a string, got {type(value).__name__}")
        return keccak(value.encode("utf-8"))
    if kind == "bytes":
        return keccak(_as_bytes(value, where))
    if kind == "address":
        if isinstance(value, bytes) and len(value) == 20:
            return value.rjust(32, b"\0")
        if not isinstance(value, str) or not is_hex_address(value):
            raise EIP712Error(f"{where}: {value!r} is not a 20-byte hex address")
        return bytes.fromhex(value[2:]).rjust(32, b"\0")
    if kind == "bool":
        if not isinstance(value, bool):
            raise EIP712Error(f"{where}: expected a bool, got {type(value).__name__}")
        return int(value).to_bytes(32, "big")
    match = _UINT.match(kind)
    if match:
        number, bits = _as_int(value, where), int(match.group(1))
        if not 0 <= number < 1 << bits:
            raise EIP712Error(f"{where}: {number} is out of range for {kind}")
        return number.to_bytes(32, "big")
    match = _INT.match(kind)
    if match:
        number, bits = _as_int(value, where), int(match.group(1))
        if not -(1 << (bits - 1)) <= number < 1 << (bits - 1):
            raise EIP712Error(f"{where}: {number} is out of range for {kind}")
        return (number % (1 << 256)).to_bytes(32, "big")
    match = _BYTES_N.match(kind)
    if match:
        size, raw = int(match.group(1)), _as_bytes(value, where)
        if len(raw) != size:
            raise EIP712Error(f"{where}: {kind} needs {size} bytes, got {len(raw)}")
        return raw.ljust(32, b"\0")
    raise EIP712Error(f"{where}: unknown type {kind!r}")


def hash_typed_data(
    types: TypedData | Mapping[str, Sequence[Any]],
    primary_type: str,
    domain: Mapping[str, Any],
    message: Mapping[str, Any],
) -> bytes:
    """The 32-byte EIP-712 digest a signer signs (``eth_signTypedData_v4``)."""
    schema = types if isinstance(types, TypedData) else TypedData.from_types(types)
    if primary_type == "EIP712Domain":
        raise EIP712Error("the primary type cannot be EIP712Domain")
    return keccak(
        b"\x19\x01" + domain_separator(domain) + schema.hash_struct(primary_type, message)
    )


def domain_separator(domain: Mapping[str, Any]) -> bytes:
    """``hashStruct("EIP712Domain", domain)``; cached, since a desk signs under few domains."""
    try:
        key = tuple(sorted(domain.items()))
        hash(key)
    except TypeError:
        return _domain_separator(domain)
    cached = _DOMAIN_CACHE.get(key)
    if cached is None:
        cached = _domain_separator(domain)
        if len(_DOMAIN_CACHE) < 1024:
            _DOMAIN_CACHE[key] = cached
    return cached


_DOMAIN_CACHE: dict[tuple[tuple[str, Any], ...], bytes] = {}


def _domain_separator(domain: Mapping[str, Any]) -> bytes:
    return TypedData({"EIP712Domain": domain_fields(domain)}).hash_struct("EIP712Domain", domain)


@dataclass(frozen=True, slots=True)
class Signature:
    """A secp256k1 signature over a 32-byte digest: ``r``, low ``s``, ``v`` in {27, 28}."""

    r: int
    s: int
    v: int

    def to_bytes(self) -> bytes:
        """65 bytes ``r ‖ s ‖ v`` (the layout Safe, ecrecover helpers and wallets use)."""
        return self.r.to_bytes(32, "big") + self.s.to_bytes(32, "big") + bytes([self.v])

    def to_hex(self) -> str:
        return "0x" + self.to_bytes().hex()

    @classmethod
    def from_bytes(cls, raw: bytes) -> Signature:
        """Parse 65 bytes ``r ‖ s ‖ v`` (``v`` 0/1 or 27/28); refuses high ``s``."""
        if len(raw) != 65:
            raise EIP712Error(f"a signature is 65 bytes, got {len(raw)}")
        r, s, v = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64]
        v = v + 27 if v in (0, 1) else v
        if v not in (27, 28) or not 0 < r < SECP256K1_N or not 0 < s <= _HALF_N:
            raise EIP712Error("malformed signature (v, r or high s)")
        return cls(r, s, v)


class DigestSigner:
    """A secp256k1 key held for signing 32-byte digests; repr shows the address only.

    Building coincurve's key object derives the public key (~60 µs), so a signer that signs
    many digests keeps one.
    """

    __slots__ = ("_address", "_key")

    def __init__(self, private_key: bytes) -> None:
        if len(private_key) != 32:
            raise EIP712Error("a private key is 32 bytes")
        try:
            self._key = PrivateKey(private_key)
        except Exception:
            raise EIP712Error("not a valid secp256k1 private key") from None
        public = self._key.public_key.format(compressed=False)[1:]
        self._address = to_checksum_address(keccak(public)[-20:])

    @property
    def address(self) -> str:
        return self._address

    def sign(self, digest: bytes) -> Signature:
        """Sign a 32-byte digest with libsecp256k1 (RFC 6979 nonces, low ``s``)."""
        if len(digest) != 32:
            raise EIP712Error(f"a digest is 32 bytes, got {len(digest)}")
        raw = self._key.sign_recoverable(digest, hasher=None)
        return Signature(
            int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:64], "big"), raw[64] + 27
        )

    def __repr__(self) -> str:
        return f"DigestSigner(address={self._address}, key=***)"

    def __reduce__(self) -> NoReturn:
        raise TypeError("a DigestSigner cannot be pickled or copied out of the process")


def sign_digest(private_key: bytes, digest: bytes) -> Signature:
    """Sign a 32-byte digest once (``DigestSigner`` for many signatures with one key)."""
    return DigestSigner(private_key).sign(digest)


def recover_signer(digest: bytes, signature: Signature) -> str:
    """The checksummed address whose key produced ``signature`` over ``digest``."""
    raw = (
        signature.r.to_bytes(32, "big")
        + signature.s.to_bytes(32, "big")
        + bytes([signature.v - 27])
    )
    try:
        public = PublicKey.from_signature_and_message(raw, digest, hasher=None)
    except Exception:
        raise EIP712Error("signature does not recover to a public key") from None
    address = keccak(public.format(compressed=False)[1:])[-20:]
    return to_checksum_address(address)
