"""Custody errors: each names what was refused and why, never a key, mnemonic or password."""

from __future__ import annotations

__all__ = [
    "ApprovalError",
    "ChainIdMismatchError",
    "CustodyError",
    "DuplicateOwnerSignatureError",
    "HsmError",
    "KeyHierarchyError",
    "NonceReusedError",
    "NotAnOwnerError",
    "NotEnoughSignaturesError",
    "OtcError",
    "PolicyError",
    "PolicyRefusedError",
    "SafeRevertError",
    "TamperedFileError",
]


class CustodyError(ValueError):
    """Base of every custody refusal; the CLI prints it as one line and exits with status 2."""


class KeyHierarchyError(CustodyError):
    """A mnemonic, derivation path, tier or keystore is invalid."""


class HsmError(CustodyError):
    """The PKCS#11 module, token, PIN or key could not be used."""


class TamperedFileError(CustodyError):
    """A prepared or signature file does not match what was prepared (content hash differs)."""


class ChainIdMismatchError(CustodyError):
    """The file was prepared for another chain than the node we would send it to."""


class NonceReusedError(CustodyError):
    """The Safe (or account) nonce of the file has already been used on chain."""


class NotAnOwnerError(CustodyError):
    """A signature recovers to an address that is not an owner of the Safe."""


class DuplicateOwnerSignatureError(CustodyError):
    """One owner signed twice: approvals must come from distinct owners."""


class NotEnoughSignaturesError(CustodyError):
    """Fewer distinct owner signatures than the Safe's threshold."""


class SafeRevertError(CustodyError):
    """The Safe refused the transaction (its error code, e.g. GS020 or GS026, is the message)."""


class PolicyError(CustodyError):
    """The governance policy file is malformed."""


class PolicyRefusedError(CustodyError):
    """The governance policy refuses a capital move (the rule is named)."""


class ApprovalError(CustodyError):
    """An approval is invalid: unknown approver, repeated approver, unknown move."""


class OtcError(CustodyError):
    """An OTC escrow deal step is not allowed in its current state."""
