package dev.slipway.coordinator.credential;

import static dev.slipway.coordinator.auth.AuthTestResource.admin;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.slipway.common.events.Topics;
import dev.slipway.coordinator.auth.AuthTestResource;
import dev.slipway.platform.secrets.Credential;
import dev.slipway.platform.secrets.CredentialStore;
import dev.slipway.platform.secrets.SecretBox;
import dev.slipway.stack.RealServices;
import dev.slipway.stack.TopicReader;
import io.quarkus.narayana.jta.QuarkusTransaction;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * Secrets cannot be borrowed or smuggled: a host's key serves only that host, repository URLs carry
 * no credentials and name no remote helper; against a real PostgreSQL and Kafka.
 */
@QuarkusTest
@QuarkusTestResource(RealServices.class)
@QuarkusTestResource(AuthTestResource.class)
class BorrowedSecretsIT {

  private static final String KEY =
      "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAA\n-----END OPENSSH PRIVATE KEY-----";

  @ConfigProperty(name = "kafka.bootstrap.servers")
  String bootstrap;

  private static String unique(String prefix) {
    return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static Map<String, Object> host(String name, String address) {
    Map<String, Object> body = new HashMap<>();
    body.put("name", name);
    body.put("address", address);
    body.put("user", "ci");
    body.put("platform", "linux");
    return body;
  }

  @Test
  void anotherHostsKeyCannotBeBorrowed() {
    Map<String, Object> first = host(unique("own-key"), "10.0.0.1");
    first.put("privateKey", KEY);
    String credential =
        admin()
            .body(first)
            .post("/api/v1/hosts")
            .then()
            .statusCode(201)
            .extract()
            .path("credentialId");

    Map<String, Object> thief = host(unique("thief"), "203.0.113.66");
    thief.put("credentialId", credential);
    admin()
        .body(thief)
        .post("/api/v1/hosts")
        .then()
        .statusCode(400)
        .body("field", equalTo("credentialId"))
        .body("message", containsString("POST /api/v1/credentials"));
  }

  @Test
  void aSharedCredentialServesAnyHostAndStaysWhileUsed() {
    String name = unique("fleet");
    String shared =
        admin()
            .body(Map.of("name", name, "privateKey", KEY))
            .post("/api/v1/credentials")
            .then()
            .statusCode(201)
            .body("name", equalTo(name))
            .body(not(containsString("b3BlbnNzaC1rZXktdjEAAAAA")))
            .extract()
            .path("id");
    Map<String, Object> body = host(unique("fleet-host"), "10.0.0.2");
    body.put("credentialId", shared);
    String host =
        admin().body(body).post("/api/v1/hosts").then().statusCode(201).extract().path("id");
    admin()
        .get("/api/v1/credentials")
        .then()
        .statusCode(200)
        .body(not(containsString("b3BlbnNzaC1rZXktdjEAAAAA")));
    admin().delete("/api/v1/credentials/" + shared).then().statusCode(409);
    admin()
        .delete("/api/v1/hosts/" + host)
        .then()
        .statusCode(202)
        .body("status", equalTo("destroyed"));
    admin().delete("/api/v1/credentials/" + shared).then().statusCode(204);
    admin().get("/api/v1/credentials").then().body(not(containsString(shared)));
  }

  @Test
  void changingAnAddressKeepsThePinnedKeyUntilAnAdminResetsIt() {
    Map<String, Object> body = host(unique("pinned"), "10.0.0.3");
    body.put("privateKey", KEY);
    body.put(
        "hostKey",
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIJdD7y3aLq454yWBdwLWbieU1ebz9/cu7/QEXn9OIeZJ");
    String id =
        admin().body(body).post("/api/v1/hosts").then().statusCode(201).extract().path("id");
    admin()
        .body(Map.of("address", "10.9.9.9", "user", "other"))
        .patch("/api/v1/hosts/" + id)
        .then()
        .statusCode(200)
        .body("hostKey", containsString("ssh-ed25519"));
    admin()
        .post("/api/v1/hosts/" + id + "/reset-host-key")
        .then()
        .statusCode(200)
        .body("hostKey", nullValue())
        .body("updatedBy", equalTo("token:bootstrap"));
    String newKey = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOtherKeyOfTheNewMachine0000000000000000";
    admin()
        .body(Map.of("hostKey", newKey))
        .post("/api/v1/hosts/" + id + "/reset-host-key")
        .then()
        .statusCode(200)
        .body("hostKey", equalTo(newKey));
    admin()
        .body(Map.of("hostKey", "not a key\nProxyCommand x"))
        .post("/api/v1/hosts/" + id + "/reset-host-key")
        .then()
        .statusCode(400)
        .body("field", equalTo("hostKey"));
    Map<String, Object> bad = host(unique("bad-key"), "10.0.0.4");
    bad.put("privateKey", KEY);
    bad.put("hostKey", "ssh-ed25519 AAAA\n@cert-authority * ssh-rsa BBBB");
    admin()
        .body(bad)
        .post("/api/v1/hosts")
        .then()
        .statusCode(400)
        .body("field", equalTo("hostKey"));
  }

  @Test
  void repositoryUrlsWithCredentialsAreRefusedEverywhereAndTheTokenGoesNowhere() {
    String token = "ghp_" + UUID.randomUUID().toString().replace("-", "");
    String url = "https://x-access-token:" + token + "@github.com/acme/widgets.git";
    String plan = unique("plan");
    admin()
        .body(
            Map.of(
                "name",
                plan,
                "yaml",
                "steps:\n  - {name: h, kind: lease-host, attributes: {pool: none}}\n"
                    + "  - {name: r, kind: run, on: h, command: 'true'}\n"))
        .post("/api/v1/plans")
        .then()
        .statusCode(201);
    String[] bodies = {
      admin()
          .body(Map.of("plan", plan, "repository", url, "branch", "main"))
          .post("/api/v1/builds")
          .then()
          .statusCode(400)
          .body("field", equalTo("repository"))
          .body("message", containsString("/api/v1/repositories"))
          .extract()
          .asString(),
      admin()
          .body(Map.of("uri", url, "httpsToken", "t"))
          .post("/api/v1/repositories")
          .then()
          .statusCode(400)
          .body("field", equalTo("uri"))
          .extract()
          .asString(),
      admin()
          .body(Map.of("type", "working-copy", "repository", url, "ref", "main"))
          .post("/api/v1/leases")
          .then()
          .statusCode(400)
          .body("field", equalTo("repository"))
          .extract()
          .asString(),
      admin()
          .body(
              Map.of(
                  "name",
                  unique("plan"),
                  "yaml",
                  "steps:\n  - {name: h, kind: lease-host}\n"
                      + "  - {name: src, kind: lease-working-copy, host: h, repository: '"
                      + url
                      + "'}\n"))
          .post("/api/v1/plans")
          .then()
          .statusCode(400)
          .body("field", equalTo("steps[1].repository"))
          .extract()
          .asString()
    };
    for (String body : bodies) {
      assertFalse(body.contains(token), body);
    }
    for (String topic : List.of(Topics.BUILDS, Topics.LEASE_REQUESTS, Topics.AUDIT)) {
      TopicReader.readAll(bootstrap, topic)
          .forEach(r -> assertFalse(r.value().contains(token), topic + ": " + r.value()));
    }
  }

  @Test
  void remoteHelpersAndFileRepositoriesAreRefused() {
    for (String uri : List.of("ext::sh -c touch% /tmp/pwned", "fd::3", "file:///etc", "/etc")) {
      admin()
          .body(Map.of("uri", uri, "httpsToken", "t"))
          .post("/api/v1/repositories")
          .then()
          .statusCode(400)
          .body("field", equalTo("uri"));
      admin()
          .body(Map.of("type", "working-copy", "repository", uri, "ref", "main"))
          .post("/api/v1/leases")
          .then()
          .statusCode(400)
          .body("field", equalTo("repository"));
    }
  }

  @Inject CredentialStore credentials;
  @Inject SecretBox box;

  @ConfigProperty(name = "slipway.secrets.master-key")
  String masterKey;

  @Test
  void resealingSealsOldSecretsWithTheCurrentKeyAndSkipsUnreadableOnes() throws Exception {
    byte[] nonce = new byte[12];
    new java.security.SecureRandom().nextBytes(nonce);
    javax.crypto.Cipher cipher = javax.crypto.Cipher.getInstance("AES/GCM/NoPadding");
    cipher.init(
        javax.crypto.Cipher.ENCRYPT_MODE,
        new javax.crypto.spec.SecretKeySpec(java.util.Base64.getDecoder().decode(masterKey), "AES"),
        new javax.crypto.spec.GCMParameterSpec(128, nonce));
    byte[] sealed = cipher.doFinal(KEY.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    Credential old = new Credential();
    old.id = unique("cred-legacy");
    old.kind = Credential.SSH_PRIVATE_KEY;
    old.ciphertext =
        java.nio.ByteBuffer.allocate(12 + sealed.length).put(nonce).put(sealed).array();
    Credential garbage = new Credential();
    garbage.id = unique("cred-unreadable");
    garbage.kind = Credential.SSH_PRIVATE_KEY;
    garbage.ciphertext = new byte[64];
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              credentials.persist(old);
              credentials.persist(garbage);
            });

    admin()
        .post("/api/v1/credentials/reseal")
        .then()
        .statusCode(200)
        .body("resealed", org.hamcrest.Matchers.greaterThanOrEqualTo(1))
        .body("unreadable", org.hamcrest.Matchers.hasItem(garbage.id))
        .body("unreadable", not(org.hamcrest.Matchers.hasItem(old.id)));
    QuarkusTransaction.requiringNew()
        .run(
            () -> {
              assertTrue(box.isCurrent(credentials.findById(old.id).ciphertext));
              assertEquals(KEY, credentials.reveal(old.id).orElseThrow());
            });
  }
}
