"""secp256k1 keys that live in a hardware security module, used through PKCS#11.

    HsmSigner.generate(module, token, pin, label)   key pair made inside the token:
                                                    private key SENSITIVE, not EXTRACTABLE
    HsmSigner.open(module, token, pin, label)       an existing key by label
    signer.address / signer.sign(digest)            -> Signature (r, low s, v recovered)

The token signs with ``CKM_ECDSA`` over the 32-byte digest and returns raw ``r ‖ s``. Ethereum
wants ``s`` in the lower half of the curve order (EIP-2), so ``s`` is replaced by ``n - s`` when
high, and ``v`` is found by recovering the public key with each recovery id and comparing it to
the token's public key. Works with any PKCS#11 module (SoftHSM2 in tests: Debian ``softhsm2``,
``/usr/lib/softhsm/libsofthsm2.so``). PINs arrive as ``Secret`` and are never logged.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import pkcs11
from coincurve import PublicKey
from eth_hash.auto import keccak
from eth_utils.address import to_checksum_address
from pkcs11 import Attribute, KeyType, Mechanism, ObjectClass
from pkcs11.util.ec import encode_named_curve_parameters

from tradewind.chain.eip712 import SECP256K1_N, Signature
from tradewind.common.logging import get_logger
from tradewind.custody.errors import HsmError
from tradewind.custody.keys import Secret

__all__ = ["SOFTHSM2_MODULE", "HsmSigner"]

_log = get_logger("custody.hsm")

SOFTHSM2_MODULE = Path("/usr/lib/softhsm/libsofthsm2.so")
_SECP256K1_OID = "1.3.132.0.10"


def _open_session(module: Path, token_label: str, pin: Secret) -> Any:
    if not module.is_file():
        raise HsmError(f"PKCS#11 module {module} does not exist")
    try:
        library = pkcs11.lib(str(module))
        token = library.get_token(token_label=token_label)
    except pkcs11.exceptions.NoSuchToken:
        raise HsmError(f"no token labelled {token_label!r} in {module}") from None
    except pkcs11.exceptions.PKCS11Error as exc:
        raise HsmError(f"PKCS#11 module {module}: {type(exc).__name__}") from None
    try:
        return token.open(user_pin=pin.reveal(), rw=True)
    except pkcs11.exceptions.PinIncorrect:
        raise HsmError(f"wrong PIN for token {token_label!r}") from None
    except pkcs11.exceptions.PKCS11Error as exc:
        raise HsmError(f"token {token_label!r}: {type(exc).__name__}") from None


def _uncompressed_point(ec_point: bytes) -> bytes:
    # CKA_EC_POINT is a DER OCTET STRING around 04 ‖ X ‖ Y (some modules omit the wrapper).
    if len(ec_point) == 67 and ec_point[:2] == b"\x04\x41":
        ec_point = ec_point[2:]
    if len(ec_point) != 65 or ec_point[0] != 4:
        raise HsmError("the token's public key is not an uncompressed secp256k1 point")
    return ec_point


class HsmSigner:
    """Signs 32-byte digests with a secp256k1 private key that never leaves its token."""

    __slots__ = ("_address", "_point", "_private", "_session", "label")

    def __init__(self, session: Any, private: Any, public_point: bytes, label: str) -> None:
        self._session = session
        self._private = private
        self._point = _uncompressed_point(public_point)
        self._address = to_checksum_address(keccak(self._point[1:])[-20:])
        self.label = label

    @classmethod
    def generate(cls, module: Path, token_label: str, pin: Secret, key_label: str) -> HsmSigner:
        """Make a new key pair inside the token (refuses a label already in use)."""
        session = _open_session(module, token_label, pin)
        existing = list(session.get_objects({Attribute.LABEL: key_label}))
        if existing:
            session.close()
            raise HsmError(f"token {token_label!r} already holds a key labelled {key_label!r}")
        params = encode_named_curve_parameters(_SECP256K1_OID)
        try:
            public, private = session.generate_keypair(
                KeyType.EC,
                store=True,
                label=key_label,
                public_template={Attribute.EC_PARAMS: params},
                private_template={
                    Attribute.SENSITIVE: True,
                    Attribute.EXTRACTABLE: False,
                    Attribute.SIGN: True,
                },
            )
        except pkcs11.exceptions.PKCS11Error as exc:
            session.close()
            raise HsmError(f"key generation refused by the token: {type(exc).__name__}") from None
        signer = cls(session, private, bytes(public[Attribute.EC_POINT]), key_label)
        _log.info(
            "custody.hsm_key_generated", token=token_label, key=key_label, address=signer.address
        )
        return signer

    @classmethod
    def open(cls, module: Path, token_label: str, pin: Secret, key_label: str) -> HsmSigner:
        """The key pair labelled ``key_label`` in the token."""
        if not key_label:
            raise HsmError("an HSM key label is required")
        session = _open_session(module, token_label, pin)
        try:
            private = session.get_key(
                object_class=ObjectClass.PRIVATE_KEY, key_type=KeyType.EC, label=key_label
            )
            public = session.get_key(
                object_class=ObjectClass.PUBLIC_KEY, key_type=KeyType.EC, label=key_label
            )
        except (pkcs11.exceptions.NoSuchKey, pkcs11.exceptions.MultipleObjectsReturned):
            session.close()
            raise HsmError(f"no single EC key labelled {key_label!r} in {token_label!r}") from None
        return cls(session, private, bytes(public[Attribute.EC_POINT]), key_label)

    @property
    def address(self) -> str:
        return self._address

    @property
    def private_key_object(self) -> Any:
        """The token's handle of the private key (attributes only; its value stays inside)."""
        return self._private

    def sign(self, digest: bytes) -> Signature:
        """ECDSA in the token; ``s`` normalised low, ``v`` recovered against the public key."""
        if len(digest) != 32:
            raise HsmError(f"a digest is 32 bytes, got {len(digest)}")
        try:
            raw = bytes(self._private.sign(digest, mechanism=Mechanism.ECDSA))
        except pkcs11.exceptions.PKCS11Error as exc:
            raise HsmError(f"the token refused to sign: {type(exc).__name__}") from None
        if len(raw) != 64:
            raise HsmError(f"the token returned a {len(raw)}-byte signature, not r ‖ s")
        r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
        if s > SECP256K1_N // 2:
            s = SECP256K1_N - s
        compact = r.to_bytes(32, "big") + s.to_bytes(32, "big")
        for recovery_id in (0, 1):
            try:
                candidate = PublicKey.from_signature_and_message(
                    compact + bytes([recovery_id]), digest, hasher=None
                )
            except Exception:
                continue
            if candidate.format(compressed=False) == self._point:
                return Signature(r, s, 27 + recovery_id)
        raise HsmError("no recovery id reproduces the token's public key")

    def close(self) -> None:
        self._session.close()

    def __repr__(self) -> str:
        return f"HsmSigner(label={self.label}, address={self._address})"

    def __reduce__(self) -> NoReturn:
        raise TypeError("an HsmSigner cannot be pickled")
