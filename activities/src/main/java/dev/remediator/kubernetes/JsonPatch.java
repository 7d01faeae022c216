package dev.remediator.kubernetes;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * An RFC 6902 JSON Patch. Deployments are changed only this way: it names exactly the fields that change (a
 * JSON merge patch would replace or append to the containers list), and carrying the resourceVersion read makes
 * the API server refuse it with 409 if the object changed in between.
 */
public final class JsonPatch {
  private static final ObjectMapper JSON = new ObjectMapper();
  private final ArrayNode ops = JSON.createArrayNode();

  /** {@code /a/b~1c} from the segments {@code a}, {@code b/c} (RFC 6901 escaping). */
  public static String pointer(Object... segments) {
    StringBuilder b = new StringBuilder();
    for (Object s : segments) {
      b.append('/').append(String.valueOf(s).replace("~", "~0").replace("/", "~1"));
    }
    return b.toString();
  }

  public JsonPatch add(String path, Object value) {
    op("add", path).set("value", JSON.valueToTree(value));
    return this;
  }

  public JsonPatch replace(String path, Object value) {
    op("replace", path).set("value", JSON.valueToTree(value));
    return this;
  }

  public JsonPatch remove(String path) {
    op("remove", path);
    return this;
  }

  /** Optimistic lock: the patch applies only to the version that was read. */
  public JsonPatch resourceVersion(String resourceVersion) {
    return replace("/metadata/resourceVersion", resourceVersion);
  }

  public int size() {
    return ops.size();
  }

  public String toJson() {
    return ops.toString();
  }

  private ObjectNode op(String op, String path) {
    ObjectNode node = ops.addObject();
    node.put("op", op);
    node.put("path", path);
    return node;
  }
}
