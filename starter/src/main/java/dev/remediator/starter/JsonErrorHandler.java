package dev.remediator.starter;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import org.eclipse.jetty.http.HttpFields;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.handler.ErrorHandler;

/**
 * Jetty's own error answers (a URI it refuses, e.g. an encoded {@code ../}; a malformed request line or header) as
 * the same JSON as every other error, {@code {"error": "..."}}, never an HTML page or a stack trace.
 */
final class JsonErrorHandler extends ErrorHandler {
  private static final ObjectMapper JSON = new ObjectMapper();

  JsonErrorHandler() {
    setShowStacks(false);
    setShowServlet(false);
  }

  @Override
  protected void generateAcceptableResponse(
      Request baseRequest, HttpServletRequest request, HttpServletResponse response, int code, String message)
      throws IOException {
    byte[] body = json(code, message);
    response.setContentType("application/json");
    response.setContentLength(body.length);
    response.getOutputStream().write(body);
    baseRequest.setHandled(true);
  }

  @Override
  public ByteBuffer badMessageError(int status, String reason, HttpFields.Mutable fields) {
    fields.put(HttpHeader.CONTENT_TYPE, "application/json");
    return ByteBuffer.wrap(json(status, reason));
  }

  static byte[] json(int code, String message) {
    String text = message == null || message.isBlank() ? defaultMessage(code) : AlertReceiver.clean(message);
    try {
      return JSON.writeValueAsBytes(Map.of("error", text));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String defaultMessage(int code) {
    return switch (code) {
      case 400 -> "bad request";
      case 404 -> "no such endpoint";
      case 408 -> "request timed out";
      case 413 -> "request too large";
      case 414 -> "request URI too long";
      case 431 -> "request headers too large";
      default -> "HTTP " + code;
    };
  }
}
