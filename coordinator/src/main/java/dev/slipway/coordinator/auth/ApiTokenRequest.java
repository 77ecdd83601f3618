package dev.slipway.coordinator.auth;

import io.quarkus.security.identity.request.BaseAuthenticationRequest;

/** A request to authenticate with the secret of an API token. */
final class ApiTokenRequest extends BaseAuthenticationRequest {

  private final String secret;

  ApiTokenRequest(String secret) {
    this.secret = secret;
  }

  String secret() {
    return secret;
  }

  @Override
  public String toString() {
    return "ApiTokenRequest[****]";
  }
}
