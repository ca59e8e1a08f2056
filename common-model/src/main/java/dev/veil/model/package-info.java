/**
 * Veil's shared wire schema: job definitions (version 0.1), their logistics, ops and results,
 * the service-URL answer, IDs, and the JSON dialect every service and the CLI agree on.
 *
 * <p>Everything here is an immutable record or a sealed interface. The types map one to one onto
 * the JSON of {@code shared/spec}; a document read and written again is equal to the original
 * (absent fields stay absent, {@code []} and {@code {}} stay as they were).
 */
package dev.veil.model;
