package io.tidemark.kubernetes.operator;

import io.fabric8.kubernetes.client.server.mock.KubernetesMixedDispatcher;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.mockwebserver.Context;
import io.fabric8.mockwebserver.MockWebServer;
import io.fabric8.mockwebserver.ServerRequest;
import io.fabric8.mockwebserver.ServerResponse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * fabric8's mock Kubernetes API server in CRUD mode (it stores what it is sent, no CRDs needed),
 * where expectations set with {@code expect()} still come first. Started once per test class:
 * {@code @EnableKubernetesMockClient} would start a second server before every test.
 */
public final class MockKubernetesApi {

    /** The mock server logs every request through java.util.logging; held here so that its level stays set. */
    private static final Logger MOCK_SERVER_LOG = Logger.getLogger(MockWebServer.class.getName());

    private MockKubernetesApi() {}

    public static KubernetesMockServer start() {
        MOCK_SERVER_LOG.setLevel(Level.WARNING);
        Map<ServerRequest, Queue<ServerResponse>> responses = new HashMap<>();
        KubernetesMockServer server = new KubernetesMockServer(
                new Context(), new MockWebServer(), responses, new KubernetesMixedDispatcher(responses), true);
        server.init();
        return server;
    }

    /**
     * Writes a kubeconfig for {@code server} to {@code file}: one context per entry of
     * {@code namespaces} (context name to its namespace), {@code current} the current one, as
     * {@code kubectl config} would leave it.
     */
    public static Path writeKubeconfig(KubernetesMockServer server, Path file, Map<String, String> namespaces, String current)
            throws IOException {
        StringBuilder contexts = new StringBuilder();
        namespaces.forEach((name, namespace) -> contexts.append("- name: ").append(name).append('\n')
                .append("  context: {cluster: mock, user: tester, namespace: ").append(namespace).append("}\n"));
        return Files.writeString(file, String.join("\n",
                "apiVersion: v1",
                "kind: Config",
                "clusters:",
                "- name: mock",
                "  cluster:",
                "    server: " + server.url("/"),
                "    insecure-skip-tls-verify: true",
                "users:",
                "- name: tester",
                "  user:",
                "    token: not-checked",
                "contexts:")
                + "\n" + contexts + "current-context: " + current + "\n");
    }
}
