"""Known-answer vectors of RFC 6962 trees, as published by transparency-dev/merkle.

Source (read, not copied as code): github.com/transparency-dev/merkle,
  testonly/constants.go  LeafInputs(), NodeHashes(), RootHashes(), EmptyRootHash()
  proof/verify_test.go   inclusionProofs, consistencyProofs (leaf numbers there are 1-based;
                         here they are converted to 0-based leaf indices)
The same 8-leaf vector is used by google/certificate-transparency's merkle tree tests.
"""

from __future__ import annotations

LEAF_INPUTS: list[bytes] = [
    bytes.fromhex(h)
    for h in [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ]
]

EMPTY_ROOT_HEX = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

# ROOTS[n] is the root of the tree of the first n leaves.
ROOTS: list[bytes] = [
    bytes.fromhex(h)
    for h in [
        EMPTY_ROOT_HEX,
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    ]
]

# NODE_HASHES[level][i]: hash of the complete subtree of 2**level leaves starting at i * 2**level.
NODE_HASHES: list[list[bytes]] = [
    [
        bytes.fromhex(h)
        for h in [
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7",
            "07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "4271a26be0d8a84f0bd54c8c302e7cb3a3b5d1fa6780a40bcce2873477dab658",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "46f6ffadd3d06a09ff3c5860d2755c8b9819db7df44251788c7d8e3180de8eb1",
        ]
    ],
    [
        bytes.fromhex(h)
        for h in [
            "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        ]
    ],
    [
        bytes.fromhex(h)
        for h in [
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ]
    ],
    [bytes.fromhex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")],
]

_NH = NODE_HASHES

# (leaf index, tree size, audit path)
INCLUSION_PROOFS: list[tuple[int, int, list[bytes]]] = [
    (0, 1, []),
    (0, 8, [_NH[0][1], _NH[1][1], _NH[2][1]]),
    (5, 8, [_NH[0][4], _NH[1][3], _NH[2][0]]),
    (2, 3, [_NH[1][0]]),
    (1, 5, [_NH[0][0], _NH[1][1], _NH[0][4]]),
]

# (first size, second size, consistency proof)
CONSISTENCY_PROOFS: list[tuple[int, int, list[bytes]]] = [
    (1, 1, []),
    (1, 8, [_NH[0][1], _NH[1][1], _NH[2][1]]),
    (6, 8, [_NH[1][2], _NH[1][3], _NH[2][0]]),
    (2, 5, [_NH[1][1], _NH[0][4]]),
    (6, 7, [_NH[1][2], _NH[0][6], _NH[2][0]]),
]
