package dev.veil.agent.engine;

/**
 * An image reference as the agent pulls and runs it. A reference without a tag means
 * {@code :latest}: sent to the engine's pull endpoint without one, Docker pulls every tag of the
 * repository. A tag or a digest ({@code name@sha256:...}) is kept exactly as given.
 */
public final class ImageReference {

  private static final String DEFAULT_TAG = "latest";

  private ImageReference() {}

  /** {@code ubuntu} → {@code ubuntu:latest}; {@code localhost:5000/app} → {@code localhost:5000/app:latest}. */
  public static String withDefaultTag(String image) {
    if (image == null || image.isBlank()) {
      throw new IllegalArgumentException("an image reference cannot be empty");
    }
    if (image.contains("@")) {
      return image;
    }
    // A colon before the last slash is a registry's port, not a tag.
    String lastPart = image.substring(image.lastIndexOf('/') + 1);
    return lastPart.contains(":") ? image : image + ":" + DEFAULT_TAG;
  }
}
