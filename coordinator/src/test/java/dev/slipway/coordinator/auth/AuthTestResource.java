package dev.slipway.coordinator.auth;

import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import org.jose4j.jws.AlgorithmIdentifiers;
import org.jose4j.jws.JsonWebSignature;
import org.jose4j.jwt.JwtClaims;
import org.jose4j.lang.JoseException;

/**
 * The coordinator's access control for tests: a bootstrap admin token, and an identity provider of
 * the test's own (an RSA key pair made here; the coordinator trusts its public key) that signs
 * JWTs.
 */
public final class AuthTestResource implements QuarkusTestResourceLifecycleManager {

  public static final String ADMIN_TOKEN = ApiTokens.newSecret();

  /** Text the API takes for an OpenSSH private key; no host would accept it. */
  public static final String PLACEHOLDER_KEY =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----";

  static final String ISSUER = "https://idp.slipway.test";
  static final String AUDIENCE = "slipway";
  static final String ROLE_CLAIM = "slipway_role";
  static final KeyPair TRUSTED = rsa();
  static final KeyPair UNTRUSTED = rsa();

  @Override
  public Map<String, String> start() {
    // The key inline (mp.jwt.verify.publickey): in test mode Quarkus sets an in-memory key of
    // its own there, which would shadow a key location.
    return Map.of(
        "slipway.bootstrap-token", ADMIN_TOKEN,
        "mp.jwt.verify.publickey",
            Base64.getEncoder().encodeToString(TRUSTED.getPublic().getEncoded()),
        "mp.jwt.verify.issuer", ISSUER,
        "mp.jwt.verify.audiences", AUDIENCE,
        "smallrye.jwt.path.groups", ROLE_CLAIM);
  }

  @Override
  public void stop() {}

  /** A JWT for {@code subject} with role claim {@code role}, signed by {@code key}. */
  static String jwt(KeyPair key, String issuer, String subject, String role) {
    JwtClaims claims = new JwtClaims();
    claims.setIssuer(issuer);
    claims.setAudience(AUDIENCE);
    claims.setSubject(subject);
    claims.setClaim("upn", subject);
    claims.setStringListClaim(ROLE_CLAIM, role);
    claims.setIssuedAtToNow();
    claims.setExpirationTimeMinutesInTheFuture(10);
    JsonWebSignature jws = new JsonWebSignature();
    jws.setPayload(claims.toJson());
    jws.setKey(key.getPrivate());
    jws.setAlgorithmHeaderValue(AlgorithmIdentifiers.RSA_USING_SHA256);
    try {
      return jws.getCompactSerialization();
    } catch (JoseException e) {
      throw new IllegalStateException(e);
    }
  }

  private static KeyPair rsa() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
      generator.initialize(2048);
      return generator.generateKeyPair();
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A JSON request to the API with {@code token} as bearer token. */
  public static io.restassured.specification.RequestSpecification as(String token) {
    return io.restassured.RestAssured.given()
        .contentType(io.restassured.http.ContentType.JSON)
        .header("Authorization", "Bearer " + token);
  }

  /** A JSON request with the bootstrap admin token. */
  public static io.restassured.specification.RequestSpecification admin() {
    return as(ADMIN_TOKEN);
  }

  /**
   * Saves {@code yaml} as a new plan whose name starts with {@code prefix} and starts a build of it
   * as the admin; returns the build's id.
   */
  public static String startBuild(String prefix, String yaml) {
    String plan = prefix + "-" + java.util.UUID.randomUUID().toString().substring(0, 8);
    admin()
        .body(java.util.Map.of("name", plan, "yaml", yaml))
        .post("/api/v1/plans")
        .then()
        .statusCode(201);
    return admin()
        .body(java.util.Map.of("plan", plan))
        .post("/api/v1/builds")
        .then()
        .statusCode(202)
        .extract()
        .path("id");
  }

  /** A plan (lease a host of a pool nobody has, run {@code true}): its builds wait forever. */
  public static String unservablePlan(String name) {
    return "steps:\n  - {name: h, kind: lease-host, attributes: {pool: nowhere-"
        + name
        + "}}\n  - {name: r, kind: run, on: h, command: 'true'}\n";
  }

  /** A new API token with {@code role}, named {@code <role>-<random>}, made by the admin. */
  public static String newToken(String role) {
    return admin()
        .body(
            Map.of("name", role + "-" + UUID.randomUUID().toString().substring(0, 8), "role", role))
        .post("/api/v1/tokens")
        .then()
        .statusCode(201)
        .extract()
        .path("token");
  }

  /**
   * Registers static host {@code name} (linux, {@code ci@127.0.0.1}, key {@link #PLACEHOLDER_KEY})
   * with the further fields {@code more} as the admin; returns its id.
   */
  public static String addHost(String name, Map<String, Object> more) {
    Map<String, Object> body = new HashMap<>(more);
    body.put("name", name);
    body.put("address", "127.0.0.1");
    body.put("user", "ci");
    body.put("platform", "linux");
    body.put("privateKey", PLACEHOLDER_KEY);
    return admin().body(body).post("/api/v1/hosts").then().statusCode(201).extract().path("id");
  }
}
