package dev.veil.model.job;

/** Arguments of {@code container/create-volume}: the volume's name, as later ops mount it. */
public record CreateVolumeArgs(String name) {}
