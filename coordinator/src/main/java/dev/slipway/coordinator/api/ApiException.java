package dev.slipway.coordinator.api;

/** A request the API refuses, with the HTTP status and the field at fault. */
public class ApiException extends RuntimeException {

  private final int status;
  private final String error;
  private final String field;

  public ApiException(int status, String error, String message, String field) {
    super(message);
    this.status = status;
    this.error = error;
    this.field = field;
  }

  public static ApiException badRequest(String field, String message) {
    return new ApiException(400, "invalid-request", message, field);
  }

  public static ApiException notFound(String what, String id) {
    return new ApiException(404, "not-found", what + " '" + id + "' does not exist", null);
  }

  public static ApiException conflict(String message) {
    return new ApiException(409, "conflict", message, null);
  }

  public int status() {
    return status;
  }

  public ApiError body() {
    return new ApiError(error, getMessage(), field);
  }
}
