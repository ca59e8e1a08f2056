package dev.veil.model.market;

/** The content ID under which a published result can be read by anyone: {@code GET /v1/results/{resultId}}. */
public record ResultReceipt(String resultId) {}
