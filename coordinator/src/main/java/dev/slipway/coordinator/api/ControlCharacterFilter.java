package dev.slipway.coordinator.api;

import dev.slipway.common.text.ControlCharacters;
import jakarta.ws.rs.container.ContainerRequestContext;
import java.util.List;
import java.util.Map;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Refuses, for every endpoint at once, a request whose path or a query parameter holds a control
 * character (a NUL, an ESC: {@link ControlCharacters}) with a 400 naming {@code path} or the
 * parameter: no id, name, owner, branch or attribute has one, and a NUL that reached PostgreSQL
 * failed the request with a 500. It runs after the endpoint is matched and its roles are checked,
 * so a request without a token still gets its 401.
 */
public class ControlCharacterFilter {

  @ServerRequestFilter
  public void refuse(ContainerRequestContext request) {
    String path = request.getUriInfo().getPath();
    if (ControlCharacters.any(path)) {
      throw ApiException.badRequest(
          "path",
          "the path '"
              + ControlCharacters.escape(path)
              + "' holds a control character; no id or name has one");
    }
    for (Map.Entry<String, List<String>> parameter :
        request.getUriInfo().getQueryParameters().entrySet()) {
      String name = parameter.getKey();
      if (ControlCharacters.any(name)) {
        throw ApiException.badRequest(
            "query",
            "the query parameter '"
                + ControlCharacters.escape(name)
                + "' holds a control character in its name");
      }
      for (String value : parameter.getValue()) {
        if (ControlCharacters.any(value)) {
          throw ApiException.badRequest(
              name,
              name
                  + " '"
                  + ControlCharacters.escape(value)
                  + "' holds a control character; no value of it has one");
        }
      }
    }
  }
}
