package dev.veil.model.session;

/**
 * A one-time login challenge. Sign {@link dev.veil.model.auth.LoginChallenge#message} with the
 * client key and trade it for a session before {@code expiresAt} (epoch ms).
 */
public record ChallengeResponse(String challenge, long expiresAt) {}
