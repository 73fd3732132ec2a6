package io.tidemark.kubernetes.operator;

import io.tidemark.snapshot.SavepointRequest;
import io.tidemark.snapshot.SnapshotException;
import io.tidemark.snapshot.SnapshotException.Reason;
import io.tidemark.snapshot.SnapshotKind;

import org.apache.flink.kubernetes.operator.api.CrdConstants;
import org.apache.flink.kubernetes.operator.api.FlinkStateSnapshot;
import org.apache.flink.kubernetes.operator.api.spec.CheckpointSpec;
import org.apache.flink.kubernetes.operator.api.spec.FlinkStateSnapshotSpec;
import org.apache.flink.kubernetes.operator.api.spec.JobKind;
import org.apache.flink.kubernetes.operator.api.spec.JobReference;
import org.apache.flink.kubernetes.operator.api.spec.SavepointSpec;
import org.apache.flink.kubernetes.operator.api.status.FlinkStateSnapshotStatus;
import org.apache.flink.kubernetes.operator.api.status.SavepointFormatType;
import org.apache.flink.kubernetes.operator.api.status.SnapshotTriggerType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.KubernetesResourceList;
import io.fabric8.kubernetes.api.model.ObjectMetaBuilder;
import io.fabric8.kubernetes.client.dsl.NonNamespaceOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.PatchContext;
import io.fabric8.kubernetes.client.dsl.base.PatchType;

import javax.annotation.Nullable;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import static io.tidemark.kubernetes.operator.OperatorSnapshotService.CREATED_BY_LABEL;
import static io.tidemark.kubernetes.operator.OperatorSnapshotService.CREATED_BY_VALUE;
import static org.apache.flink.util.Preconditions.checkNotNull;

/**
 * The FlinkStateSnapshot resources (operator 1.10 and later) of one FlinkDeployment: creating one
 * for its job, waiting for the operator's verdict in its status, listing them, and handing one to
 * the operator for disposal. A cluster without the kind answers 404, which {@link #create} and
 * {@link #list} report as empty, for the service to decide what that means.
 */
final class FlinkStateSnapshots {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int NAME_ATTEMPTS = 3;

    private final KubernetesCalls calls;
    private final String namespace;
    private final String deployment;

    FlinkStateSnapshots(KubernetesCalls calls, String namespace, String deployment) {
        this.calls = calls;
        this.namespace = namespace;
        this.deployment = deployment;
    }

    /**
     * Creates a FlinkStateSnapshot of the deployment's job, named {@code
     * <deployment>-<savepoint|checkpoint>-<millis>}, and returns its name; empty if the API server
     * does not know the kind. {@code request} is the savepoint's (null for a checkpoint).
     */
    Optional<String> create(SnapshotKind kind, @Nullable SavepointRequest request, Wait wait) throws Exception {
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(CREATED_BY_LABEL, CREATED_BY_VALUE);
        // the labels the operator puts on snapshots, so that selectors find this one before the operator has seen it
        labels.put(CrdConstants.LABEL_SNAPSHOT_TYPE, kind.name());
        labels.put(CrdConstants.LABEL_SNAPSHOT_TRIGGER_TYPE, SnapshotTriggerType.MANUAL.name());
        labels.put(CrdConstants.LABEL_SNAPSHOT_JOB_REFERENCE_KIND, CrdConstants.KIND_FLINK_DEPLOYMENT);
        labels.put(CrdConstants.LABEL_SNAPSHOT_JOB_REFERENCE_NAME, deployment);

        FlinkStateSnapshotSpec spec = new FlinkStateSnapshotSpec();
        spec.setJobReference(new JobReference(JobKind.FLINK_DEPLOYMENT, deployment));
        if (kind == SnapshotKind.SAVEPOINT) {
            checkNotNull(request, "request cannot be null");
            // disposeOnDelete false: deleting the record must not delete the savepoint (the operator's default is true)
            spec.setSavepoint(new SavepointSpec(
                    request.targetDirectory(), SavepointFormatType.valueOf(request.format().name()), false, false));
        } else {
            spec.setCheckpoint(new CheckpointSpec());
        }
        // no retries: the operator would retry a failed snapshot after 10 s, 20 s, 40 s, ... past any sensible wait
        spec.setBackoffLimit(0);

        long millis = System.currentTimeMillis();
        for (int attempt = 0; ; attempt++) {
            String name = deployment + "-" + kind.name().toLowerCase(Locale.ROOT) + "-" + (millis + attempt);
            FlinkStateSnapshot snapshot = new FlinkStateSnapshot();
            snapshot.setMetadata(new ObjectMetaBuilder().withNamespace(namespace).withName(name).withLabels(labels).build());
            snapshot.setSpec(spec);
            try {
                calls.call("creating FlinkStateSnapshot " + ref(name), () -> calls.client().resource(snapshot).create(), wait);
                return Optional.of(name);
            } catch (SnapshotException e) {
                int code = KubernetesCalls.httpCode(e);
                if (code == 409 && attempt < NAME_ATTEMPTS) {
                    continue; // one of this name exists (same millisecond): the next name
                }
                if (code == 404) {
                    return Optional.empty();
                }
                throw e;
            }
        }
    }

    /** Waits until the operator completes snapshot {@code name}; its failure or abandonment as a {@link SnapshotException}. */
    FlinkStateSnapshotStatus await(String name, String what, Wait wait) throws Exception {
        AtomicReference<FlinkStateSnapshotStatus> last = new AtomicReference<>();
        wait.timeoutNote(() -> timeoutNote(name, last.get()));
        while (true) {
            FlinkStateSnapshot snapshot = get(name, wait);
            if (snapshot == null) {
                throw new SnapshotException(Reason.OPERATION_FAILED, what + " failed: FlinkStateSnapshot " + ref(name)
                        + " was deleted before the operator completed it");
            }
            FlinkStateSnapshotStatus status = snapshot.getStatus();
            last.set(status);
            if (status != null && status.getState() != null) {
                switch (status.getState()) {
                    case COMPLETED:
                        return status;
                    case FAILED:
                        throw new SnapshotException(Reason.OPERATION_FAILED, what + " failed (FlinkStateSnapshot " + ref(name)
                                + "): " + OperatorErrors.oneLine(status.getError()));
                    case ABANDONED:
                        throw new SnapshotException(Reason.OPERATION_FAILED, what + " was abandoned by the operator"
                                + " (FlinkStateSnapshot " + ref(name) + "): " + OperatorErrors.oneLine(status.getError()));
                    default:
                        break;
                }
            }
            wait.pause();
        }
    }

    private String timeoutNote(String name, @Nullable FlinkStateSnapshotStatus status) {
        if (status == null) {
            return "; FlinkStateSnapshot " + ref(name) + " stays, but no operator has picked it up: check that the operator"
                    + " runs and reconciles FlinkStateSnapshots (kubernetes.operator.snapshot.resource.enabled), else use the legacy nonce mode";
        }
        if (status.getFailures() > 0 && status.getError() != null && !status.getError().isBlank()) {
            return "; FlinkStateSnapshot " + ref(name) + " stays and the operator retries it after: " + OperatorErrors.oneLine(status.getError());
        }
        return "; FlinkStateSnapshot " + ref(name) + " stays (" + status.getState() + ") and the operator may still complete it";
    }

    @Nullable
    FlinkStateSnapshot get(String name, @Nullable Wait wait) throws Exception {
        return calls.call("reading FlinkStateSnapshot " + ref(name), () -> resources().withName(name).get(), wait);
    }

    /** All FlinkStateSnapshots of the namespace, the deployment's and others'; empty if the API server does not know the kind. */
    Optional<List<FlinkStateSnapshot>> list(@Nullable Wait wait) throws Exception {
        try {
            return Optional.of(calls.call("listing the FlinkStateSnapshots in namespace " + namespace,
                    () -> resources().list().getItems(), wait));
        } catch (SnapshotException e) {
            if (KubernetesCalls.httpCode(e) == 404) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * Among {@code snapshots}, the one the operator created for a trigger nonce of the deployment
     * (operator 1.10 and later turn nonces into FlinkStateSnapshots): not in {@code existing},
     * manual, of the kind asked for, and not Tidemark's.
     */
    Optional<FlinkStateSnapshot> madeForNonce(List<FlinkStateSnapshot> snapshots, SnapshotKind kind, Set<String> existing) {
        return snapshots.stream()
                .filter(s -> !existing.contains(s.getMetadata().getName()))
                .filter(this::references)
                .filter(s -> s.getSpec().isSavepoint() == (kind == SnapshotKind.SAVEPOINT))
                .filter(s -> {
                    Map<String, String> labels = labels(s);
                    return SnapshotTriggerType.MANUAL.name().equals(labels.get(CrdConstants.LABEL_SNAPSHOT_TRIGGER_TYPE))
                            && !CREATED_BY_VALUE.equals(labels.get(CREATED_BY_LABEL));
                })
                .min(Comparator.comparing((FlinkStateSnapshot s) -> s.getMetadata().getCreationTimestamp(),
                        Comparator.nullsLast(Comparator.naturalOrder())));
    }

    /** Sets {@code spec.savepoint.disposeOnDelete}: whether the operator deletes the savepoint's data with the resource. */
    void disposeOnDelete(String name, boolean dispose, Wait wait) throws Exception {
        ObjectNode patch = JSON.createObjectNode();
        patch.putObject("spec").putObject("savepoint").put("disposeOnDelete", dispose);
        String body = JSON.writeValueAsString(patch);
        calls.call("patching FlinkStateSnapshot " + ref(name),
                () -> resources().withName(name).patch(PatchContext.of(PatchType.JSON_MERGE), body), wait);
    }

    void delete(String name, Wait wait) throws Exception {
        calls.call("deleting FlinkStateSnapshot " + ref(name), () -> resources().withName(name).delete(), wait);
    }

    /** Whether the snapshot's job reference names the deployment. */
    boolean references(FlinkStateSnapshot snapshot) {
        JobReference reference = snapshot.getSpec() == null ? null : snapshot.getSpec().getJobReference();
        return reference != null && deployment.equals(reference.getName())
                && (reference.getKind() == null || reference.getKind() == JobKind.FLINK_DEPLOYMENT);
    }

    static OperatorSnapshot describe(FlinkStateSnapshot snapshot) {
        SnapshotTriggerType trigger;
        try {
            trigger = SnapshotTriggerType.valueOf(labels(snapshot).getOrDefault(CrdConstants.LABEL_SNAPSHOT_TRIGGER_TYPE, "UNKNOWN"));
        } catch (IllegalArgumentException e) {
            trigger = SnapshotTriggerType.UNKNOWN;
        }
        FlinkStateSnapshotStatus status = snapshot.getStatus();
        String path = status == null ? null : status.getPath();
        String error = status == null ? null : status.getError();
        return new OperatorSnapshot(
                snapshot.getMetadata().getName(),
                snapshot.getSpec() != null && snapshot.getSpec().isCheckpoint() ? SnapshotKind.CHECKPOINT : SnapshotKind.SAVEPOINT,
                status == null ? null : status.getState(),
                path == null || path.isBlank() ? null : path,
                instant(snapshot.getMetadata().getCreationTimestamp()),
                trigger,
                error == null || error.isBlank() ? null : OperatorErrors.oneLine(error),
                CREATED_BY_VALUE.equals(labels(snapshot).get(CREATED_BY_LABEL)));
    }

    String ref(String name) {
        return namespace + "/" + name;
    }

    private NonNamespaceOperation<FlinkStateSnapshot, KubernetesResourceList<FlinkStateSnapshot>, Resource<FlinkStateSnapshot>> resources() {
        return calls.client().resources(FlinkStateSnapshot.class).inNamespace(namespace);
    }

    private static Map<String, String> labels(FlinkStateSnapshot snapshot) {
        Map<String, String> labels = snapshot.getMetadata().getLabels();
        return labels == null ? Map.of() : labels;
    }

    @Nullable
    private static Instant instant(@Nullable String timestamp) {
        if (timestamp == null || timestamp.isBlank()) {
            return null;
        }
        try {
            return Instant.parse(timestamp.strip());
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
