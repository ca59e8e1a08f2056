/**
 * Spring pieces every Veil WebFlux service shares, applied by {@link dev.veil.service.VeilServiceAutoConfiguration}:
 * problem+json for every failure ({@code problem}), the strict JSON dialect and body limits
 * ({@code web}), verification of node-signed requests ({@code node}), and where Redis is
 * ({@code redis}: one server, a cluster or Sentinel).
 */
package dev.veil.service;
