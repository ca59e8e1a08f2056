package dev.veil.model.job;

/**
 * A volume mounted into a {@code container/run} op.
 *
 * @param name the volume, as named by a {@code container/create-volume} op of the same job
 * @param dest absolute path inside the container
 */
public record VolumeMount(String name, String dest) {}
