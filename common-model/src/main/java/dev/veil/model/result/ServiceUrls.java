package dev.veil.model.result;

import java.util.Map;

/**
 * The answer of {@code GET /service/url/{jobId}}.
 *
 * @param urls   service ID to service, in op and port order
 * @param status ONLINE when every service answers, OFFLINE when one does not, UNKNOWN before the first check
 */
public record ServiceUrls(Map<String, ServiceUrl> urls, ServiceStatus status) {}
