/**
 * Spring pieces every Veil WebFlux service shares, applied by {@link dev.veil.service.VeilServiceAutoConfiguration}:
 * problem+json for every failure ({@code problem}), the strict JSON dialect and body limits
 * ({@code web}), and verification of node-signed requests ({@code node}).
 */
package dev.veil.service;
