#!/usr/bin/env python3
"""An independent check of Veil's sealing format (spec/node-routes.md) against spec/sealing-vectors.json.

Written apart from the Java code, from RFC 9180 and the format as documented, with only
primitives of Python's `cryptography` package (X25519, Ed25519, AES-GCM) and the standard
library (HMAC-SHA256 for HKDF): it checks each node key's signature against its node ID and
opens each sealed definition with the node's X25519 key; it checks each owner's recipient key
against the owner and the node's key against the node ID, and opens each sealed result, chunk by
chunk, and each sealed live log's events, in order, with the owner's X25519 key as sealed by the
node's (HPKE auth mode).
Exit 0 when every vector checks.
Usage: check-sealing-vectors.py VECTORS.json
"""
import base64
import hashlib
import hmac
import json
import sys

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
KEM_ID, KDF_ID, AEAD_ID = 0x0020, 0x0001, 0x0002  # DHKEM(X25519, HKDF-SHA256), HKDF-SHA256, AES-256-GCM
KEM_SUITE = b"KEM" + KEM_ID.to_bytes(2, "big")
HPKE_SUITE = b"HPKE" + KEM_ID.to_bytes(2, "big") + KDF_ID.to_bytes(2, "big") + AEAD_ID.to_bytes(2, "big")


def b64url(text):
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def b58(text):
    number = 0
    for char in text:
        number = number * 58 + B58.index(char)
    raw = number.to_bytes((number.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + raw


def extract(salt, ikm):
    return hmac.new(salt, ikm, hashlib.sha256).digest()


def expand(prk, info, length):
    out, block, counter = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([counter]), hashlib.sha256).digest()
        out += block
        counter += 1
    return out[:length]


def labeled_extract(suite, salt, label, ikm):
    return extract(salt, b"HPKE-v1" + suite + label + ikm)


def labeled_expand(suite, prk, label, info, length):
    return expand(prk, length.to_bytes(2, "big") + b"HPKE-v1" + suite + label + info, length)


def context(private_key, enc, info, sender_public=None):
    """RFC 9180 SetupBaseR, or SetupAuthR with the sender's public key: the AEAD key and base nonce."""
    recipient = X25519PrivateKey.from_private_bytes(private_key)
    recipient_public = recipient.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    dh = recipient.exchange(X25519PublicKey.from_public_bytes(enc))
    kem_context = enc + recipient_public
    mode = 0  # mode_base
    if sender_public is not None:
        # AuthDecap: DH(skR, pkE) || DH(skR, pkS); kem_context = enc || pkR || pkS
        dh += recipient.exchange(X25519PublicKey.from_public_bytes(sender_public))
        kem_context += sender_public
        mode = 2  # mode_auth
    eae_prk = labeled_extract(KEM_SUITE, b"", b"eae_prk", dh)
    shared = labeled_expand(KEM_SUITE, eae_prk, b"shared_secret", kem_context, 32)
    schedule = bytes([mode]) + labeled_extract(HPKE_SUITE, b"", b"psk_id_hash", b"") \
        + labeled_extract(HPKE_SUITE, b"", b"info_hash", info)
    secret = labeled_extract(HPKE_SUITE, shared, b"secret", b"")
    key = labeled_expand(HPKE_SUITE, secret, b"key", schedule, 32)
    nonce = labeled_expand(HPKE_SUITE, secret, b"base_nonce", schedule, 12)
    return key, nonce


def nonce_for(base_nonce, sequence):
    """RFC 9180 ComputeNonce: the base nonce XOR the sequence number, big-endian, 12 bytes."""
    return bytes(a ^ b for a, b in zip(base_nonce, sequence.to_bytes(12, "big")))


def open_base(private_key, enc, info, aad, ciphertext):
    key, nonce = context(private_key, enc, info)
    return AESGCM(key).decrypt(nonce, ciphertext, aad)


def open_result(private_key, node_key, sealed, job_id, node_id):
    assert sealed["suite"] == "HPKE-Auth/X25519-HKDF-SHA256/HKDF-SHA256/AES-256-GCM", sealed["suite"]
    key, base_nonce = context(private_key, b64url(sealed["enc"]), b"veil/v1 result", node_key)
    chunks = sealed["chunks"]
    out = b""
    for index, chunk in enumerate(chunks):
        flag = "last" if index == len(chunks) - 1 else "more"
        aad = ("veil sealed result v1\n" + job_id + "\n" + node_id + "\n" + flag).encode()
        out += AESGCM(key).decrypt(nonce_for(base_nonce, index), b64url(chunk), aad)
    return out


def verified_key(kind, signer, record):
    """The raw X25519 key of a node's or an owner's key record, once its signer's Ed25519 signature checks."""
    statement = ("veil " + kind + " encryption key v1\n" + signer + "\n" + record["publicKey"]).encode()
    Ed25519PublicKey.from_public_bytes(b58(signer)).verify(b64url(record["signature"]), statement)
    return b64url(record["publicKey"])


def private_key_of(private_text, record):
    """The raw private key a vector gives, once it is the one whose public half the record holds."""
    private_key = b64url(private_text)
    derived = X25519PrivateKey.from_private_bytes(private_key).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
    assert derived == b64url(record["publicKey"]), "the published key is not the private key's"
    return private_key


def check_result(vector):
    verified_key("owner", vector["owner"], vector["recipient"])
    private_key = private_key_of(vector["ownerPrivateKey"], vector["recipient"])
    # The sender: the node's encryption key, signed by the node ID.
    node_id = vector["nodeId"]
    node_key = verified_key("node", node_id, vector["nodeEncryptionKey"])
    sealed = vector["sealed"]
    assert len(sealed["chunks"]) > 1, "a vector of one chunk checks no sequence"
    opened = open_result(private_key, node_key, sealed, vector["jobId"], node_id)
    assert opened == vector["plaintext"].encode(), "opened to something else"
    log = vector["log"]
    header = json.loads(log["sealed"])
    assert header["suite"] == sealed["suite"], header["suite"]
    log_key, log_nonce = context(private_key, b64url(header["enc"]), b"veil/v1 log", node_key)
    for sequence, event in enumerate(log["events"]):
        aad = ("veil sealed log v1\n" + vector["jobId"] + "\n" + vector["nodeId"] + "\n" + event["event"] + "\n"
               + event["id"]).encode()
        opened_event = AESGCM(log_key).decrypt(nonce_for(log_nonce, sequence), b64url(event["data"]), aad)
        assert opened_event == event["plaintext"].encode(), "a log event opened to something else"
    # Cut short: without its last chunk, the one before is not flagged last and does not open as such.
    try:
        open_result(private_key, node_key, dict(sealed, chunks=sealed["chunks"][:-1]), vector["jobId"], node_id)
        raise AssertionError("opened cut short")
    except InvalidTag:
        pass
    # Sealed by the node: with another sender's key it does not open.
    try:
        open_result(private_key, X25519PrivateKey.generate().public_key().public_bytes(Encoding.Raw, PublicFormat.Raw),
                    sealed, vector["jobId"], node_id)
        raise AssertionError("opened as another sender's")
    except InvalidTag:
        pass


def check(vector):
    node_id = vector["nodeId"]
    verified_key("node", node_id, vector["encryptionKey"])
    private_key = private_key_of(vector["nodePrivateKey"], vector["encryptionKey"])
    sealed = vector["sealed"]
    assert sealed["suite"] == "HPKE-Base/X25519-HKDF-SHA256/HKDF-SHA256/AES-256-GCM", sealed["suite"]
    aad = ("veil sealed definition v1\n" + vector["jobId"] + "\n" + node_id).encode()
    opened = open_base(private_key, b64url(sealed["enc"]), b"veil/v1 definition", aad, b64url(sealed["ciphertext"]))
    assert opened == vector["plaintext"].encode(), "opened to something else"
    # Bound to its job: the same ciphertext for another job does not open.
    other = ("veil sealed definition v1\n" + vector["jobId"] + "x\n" + node_id).encode()
    try:
        open_base(private_key, b64url(sealed["enc"]), b"veil/v1 definition", other, b64url(sealed["ciphertext"]))
        raise AssertionError("opened for another job")
    except InvalidTag:
        pass


def main():
    with open(sys.argv[1], encoding="utf-8") as file:
        document = json.load(file)
    cases = [(check, vector) for vector in document["vectors"]] + [(check_result, vector) for vector in document["results"]]
    for checker, vector in cases:
        try:
            checker(vector)
        except (AssertionError, InvalidSignature, InvalidTag, ValueError) as failure:
            print("vector " + vector.get("name", "?") + " fails: " + repr(failure), file=sys.stderr)
            return 1
    print(str(len(cases)) + " sealing vector(s) check")
    return 0


if __name__ == "__main__":
    sys.exit(main())
