package dev.slipway.coordinator.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import dev.slipway.common.status.IllegalTransitionException;
import dev.slipway.coordinator.auth.Roles;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;
import io.quarkus.security.identity.CurrentIdentityAssociation;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.validation.ConstraintViolationException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.SimpleResourceInfo;

/** Turns every failure of a REST call into {@link ApiError} JSON with the right status. */
public class ApiExceptionMappers {

  private static final Logger LOG = Logger.getLogger(ApiExceptionMappers.class);

  private static final String BAD_TOKEN =
      "the bearer token is unknown, revoked, expired or not trusted";
  private static final String MISSING_TOKEN =
      "a bearer token is required: Authorization: Bearer <token>";

  @Inject SecurityIdentity identity;
  @Inject CurrentIdentityAssociation identities;

  @ServerExceptionMapper
  public Response api(ApiException e) {
    return respond(e.status(), e.body());
  }

  /** A bearer token that is unknown, revoked, expired or (a JWT) not signed by a trusted key. */
  @ServerExceptionMapper
  public Response unauthenticated(AuthenticationFailedException e) {
    return unauthorized(BAD_TOKEN);
  }

  /** No token where one is needed. */
  @ServerExceptionMapper
  public Response anonymous(UnauthorizedException e) {
    return unauthorized(MISSING_TOKEN);
  }

  @ServerExceptionMapper
  public Response forbidden(ForbiddenException e) {
    String role = Roles.highest(identity.getRoles());
    return respond(
        403,
        new ApiError(
            "forbidden",
            "your role ("
                + (role == null ? "none" : role)
                + ") does not allow this; see docs/security.md for what each role may do",
            null));
  }

  private static Response unauthorized(String message) {
    return Response.status(401)
        .header(HttpHeaders.WWW_AUTHENTICATE, "Bearer")
        .type(MediaType.APPLICATION_JSON)
        .entity(new ApiError("unauthorized", message, null))
        .build();
  }

  @ServerExceptionMapper
  public Response illegalTransition(IllegalTransitionException e) {
    return respond(409, new ApiError("illegal-transition", e.getMessage(), null));
  }

  /**
   * A body that is not JSON, or not the JSON the endpoint takes (a value of the wrong type or out
   * of range, a field it does not know, a NUL character): 400 {@code invalid-json} naming the field
   * where Jackson knows it. Jackson's exceptions reach the API in two ways, both mapped here: as
   * themselves (a {@link MismatchedInputException}, which would otherwise get Quarkus' own mapper
   * and an empty body) and inside the reader's {@link WebApplicationException} (syntax errors,
   * numbers out of range).
   */
  @ServerExceptionMapper
  public Response unreadable(JsonProcessingException e) {
    return respond(400, new ApiError("invalid-json", message(e), field(e)));
  }

  @ServerExceptionMapper
  public Response mismatched(MismatchedInputException e) {
    return unreadable(e);
  }

  private static String message(JsonProcessingException e) {
    if (e instanceof UnrecognizedPropertyException u) {
      return "unknown field '"
          + u.getPropertyName()
          + "'"
          + (u.getKnownPropertyIds() == null || u.getKnownPropertyIds().isEmpty()
              ? ""
              : "; known fields: "
                  + u.getKnownPropertyIds().stream()
                      .map(String::valueOf)
                      .sorted()
                      .collect(Collectors.joining(", ")));
    }
    String message = e.getOriginalMessage();
    return message == null ? "the request body is not valid JSON" : message;
  }

  /** Where in the body {@code e} happened ({@code variables.k}, {@code steps[2].name}), or null. */
  static String field(JsonProcessingException e) {
    StringBuilder field = new StringBuilder();
    if (e instanceof JsonMappingException m && !m.getPath().isEmpty()) {
      for (JsonMappingException.Reference r : m.getPath()) {
        append(field, r.getFieldName(), r.getIndex());
      }
    } else if (e instanceof StreamReadException r
        && r.getProcessor() != null
        && r.getProcessor().getParsingContext() != null) {
      List<JsonStreamContext> contexts = new ArrayList<>();
      for (JsonStreamContext c = r.getProcessor().getParsingContext();
          c != null;
          c = c.getParent()) {
        contexts.add(0, c);
      }
      for (JsonStreamContext c : contexts) {
        if (c.inObject() && c.getCurrentName() != null) {
          append(field, c.getCurrentName(), -1);
        } else if (c.inArray() && c.getCurrentIndex() >= 0) {
          append(field, null, c.getCurrentIndex());
        }
      }
    }
    return field.isEmpty() ? null : field.toString();
  }

  private static void append(StringBuilder field, String name, int index) {
    if (name != null) {
      field.append(field.isEmpty() ? "" : ".").append(name);
    } else if (index >= 0) {
      field.append('[').append(index).append(']');
    }
  }

  @ServerExceptionMapper
  public Response invalid(ConstraintViolationException e) {
    var violation = e.getConstraintViolations().iterator().next();
    String path = violation.getPropertyPath().toString();
    String field = path.contains(".") ? path.substring(path.lastIndexOf('.') + 1) : path;
    return respond(
        400, new ApiError("invalid-request", field + " " + violation.getMessage(), field));
  }

  /**
   * A status of JAX-RS. A path under {@code /api/v1} that no endpoint serves (404) or a method its
   * endpoint does not take (405) is said only to a caller with a valid token; any other caller gets
   * 401, as from an endpoint, so the API's routes cannot be enumerated. Runs on the IO thread there
   * (no endpoint was chosen): the identity is resolved without blocking.
   */
  @ServerExceptionMapper
  public Uni<Response> web(WebApplicationException e, SimpleResourceInfo resource) {
    if (e.getCause() instanceof JsonProcessingException json) {
      return Uni.createFrom().item(unreadable(json));
    }
    int status = e.getResponse().getStatus();
    Response answer = respond(status, new ApiError("http-" + status, e.getMessage(), null));
    if ((status != 404 && status != 405) || resource.getResourceClass() != null) {
      return Uni.createFrom().item(answer);
    }
    return identities
        .getDeferredIdentity()
        .map(id -> id.isAnonymous() ? unauthorized(MISSING_TOKEN) : answer)
        .onFailure()
        .recoverWithItem(f -> unauthorized(BAD_TOKEN));
  }

  @ServerExceptionMapper
  public Response unexpected(RuntimeException e) {
    LOG.error("unexpected error in REST call", e);
    return respond(500, new ApiError("internal", "internal error; see the coordinator log", null));
  }

  private static Response respond(int status, ApiError body) {
    return Response.status(status).type(MediaType.APPLICATION_JSON).entity(body).build();
  }
}
