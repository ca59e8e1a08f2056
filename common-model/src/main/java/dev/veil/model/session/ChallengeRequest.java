package dev.veil.model.session;

/** {@code POST /v1/challenges}: ask for a one-time login challenge for {@code publicKey} (base58 Ed25519). */
public record ChallengeRequest(String publicKey) {}
