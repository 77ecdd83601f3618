package dev.slipway.coordinator.auth;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaMethod;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import jakarta.annotation.security.PermitAll;
import jakarta.annotation.security.RolesAllowed;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HttpMethod;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import java.lang.annotation.Annotation;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Every REST endpoint of the coordinator, found by scanning its classes for JAX-RS annotations, so
 * that an endpoint added later is in every table-driven access test without anyone listing it.
 */
final class Endpoints {

  /**
   * An endpoint: HTTP method, path with each parameter replaced by {@code x-missing}, the role it
   * declares (null: none), and where it is declared.
   */
  record Endpoint(String method, String path, String role, String declaredAt) {
    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  private static final List<Class<? extends Annotation>> VERBS =
      List.of(GET.class, POST.class, PUT.class, PATCH.class, DELETE.class);

  private Endpoints() {}

  static List<Endpoint> all() {
    List<Endpoint> endpoints = new ArrayList<>();
    for (JavaClass type :
        new ClassFileImporter()
            .withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
            .importPackages("dev.slipway.coordinator")) {
      if (!type.isAnnotatedWith(Path.class)) {
        continue;
      }
      String base = type.getAnnotationOfType(Path.class).value();
      for (JavaMethod method : type.getMethods()) {
        String verb = verb(method);
        if (verb == null) {
          continue;
        }
        String path = base;
        if (method.isAnnotatedWith(Path.class)) {
          path = path + "/" + method.getAnnotationOfType(Path.class).value();
        }
        path = path.replaceAll("/+", "/").replaceAll("\\{[^}]+}", "x-missing");
        endpoints.add(new Endpoint(verb, path, role(type, method), method.getFullName()));
      }
    }
    endpoints.sort(Comparator.comparing(Endpoint::toString));
    return endpoints;
  }

  private static String verb(JavaMethod method) {
    for (Class<? extends Annotation> verb : VERBS) {
      if (method.isAnnotatedWith(verb)) {
        return verb.getAnnotation(HttpMethod.class).value();
      }
    }
    return null;
  }

  /** The one role the endpoint requires (method over class); null when it declares none. */
  private static String role(JavaClass type, JavaMethod method) {
    if (method.isAnnotatedWith(PermitAll.class) || type.isAnnotatedWith(PermitAll.class)) {
      return null;
    }
    RolesAllowed roles =
        method.isAnnotatedWith(RolesAllowed.class)
            ? method.getAnnotationOfType(RolesAllowed.class)
            : type.isAnnotatedWith(RolesAllowed.class)
                ? type.getAnnotationOfType(RolesAllowed.class)
                : null;
    if (roles == null || roles.value().length != 1 || !Roles.isRole(roles.value()[0])) {
      return null;
    }
    return roles.value()[0];
  }
}
