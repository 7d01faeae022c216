package dev.remediator.launcher;

/**
 * The Temporal server a local stack runs on: the embedded in-memory test server ({@link EmbeddedTemporal}) or the
 * real development server of the {@code temporal} CLI ({@link TemporalDevServer}). Closing it stops it.
 */
public interface TemporalServer extends AutoCloseable {
  /** host:port of the frontend, for TEMPORAL_ADDRESS. */
  String address();

  /** True for the embedded test server: in memory, no Web UI, no visibility; workers must not use sticky queues. */
  boolean embedded();

  /** The Web UI's base URL, or null when the server has none. */
  default String uiUrl() {
    return null;
  }

  /** The Web UI page of one workflow run, or null when the server has no UI. */
  default String workflowUrl(String namespace, String workflowId, String runId) {
    return null;
  }

  @Override
  void close();
}
