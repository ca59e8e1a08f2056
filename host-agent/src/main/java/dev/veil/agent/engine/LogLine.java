package dev.veil.agent.engine;

/** One line a container wrote, with its stream ({@code stdout}/{@code stderr}). */
public record LogLine(String stream, String text) {}
