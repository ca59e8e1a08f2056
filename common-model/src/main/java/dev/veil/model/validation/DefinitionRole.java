package dev.veil.model.validation;

/** What a definition is being checked as: the same document can be fine as one and wrong as another. */
public enum DefinitionRole {
  /**
   * A file to fill in or post: ops may be empty. The spec's templates are valid as templates.
   */
  TEMPLATE,
  /**
   * What is posted to the public market. Ops must be present, unless the definition is sent
   * privately ({@code logistics.send = api-listen}), in which case ops must be empty: anything
   * posted is public.
   */
  POSTED,
  /** The real definition sent privately to the host: it must have ops. */
  PRIVATE_DEFINITION
}
