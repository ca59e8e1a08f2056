package dev.veil.model.job;

import tools.jackson.databind.annotation.JsonDeserialize;
import tools.jackson.databind.annotation.JsonSerialize;
import java.util.Map;

/**
 * One operation of a job, by its {@code type}. An op whose type this build does not know is kept
 * as an {@link UnknownOperation} so that validation can name it, rather than failing to parse.
 */
@JsonDeserialize(using = OperationJson.Reader.class)
@JsonSerialize(using = OperationJson.Writer.class)
public sealed interface Operation permits RunOperation, CreateVolumeOperation, UnknownOperation {

  /** The op type as written, e.g. {@code container/run}. */
  String type();

  /** The op ID, unique in the job. */
  String id();

  /** Named regexes applied to the op's logs; may be null. */
  Map<String, ResultPattern> results();

  /** Grouping and ordering; may be null. */
  Execution execution();
}
