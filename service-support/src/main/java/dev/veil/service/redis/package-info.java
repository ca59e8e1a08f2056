/** How a service reaches Redis: one server, a Redis Cluster or a primary under Sentinel. */
package dev.veil.service.redis;
