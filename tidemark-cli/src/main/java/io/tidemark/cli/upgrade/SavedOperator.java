package io.tidemark.cli.upgrade;

import org.apache.flink.runtime.checkpoint.OperatorState;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.OperatorStateHandle;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * One operator's state in a savepoint, as its {@code _metadata} describes it: Flink knows operators
 * only by id (a hash of the uid), so the name is what the check recognised it as, from the uids of
 * the pipeline files it was given or from the names of the states it holds.
 *
 * @param name {@code source}, {@code sinks.warehouse}, or a description when unrecognised
 * @param stateNames the operator states it holds ({@code SourceReaderState}, a sink writer's states)
 */
public record SavedOperator(String operatorId, String name, int parallelism, int maxParallelism, long stateBytes,
        Set<String> stateNames, boolean coordinatorState) {

    /** Whether a restore must find an operator for it (Flink skips operators that saved nothing). */
    public boolean hasState() {
        return stateBytes > 0 || coordinatorState || !stateNames.isEmpty();
    }

    SavedOperator named(String newName) {
        return new SavedOperator(operatorId, newName, parallelism, maxParallelism, stateBytes, stateNames,
                coordinatorState);
    }

    static SavedOperator of(OperatorState state, String name) {
        Set<String> names = new TreeSet<>();
        for (OperatorSubtaskState subtask : state.getStates()) {
            for (OperatorStateHandle handle : subtask.getManagedOperatorState()) {
                names.addAll(handle.getStateNameToPartitionOffsets().keySet());
            }
            for (OperatorStateHandle handle : subtask.getRawOperatorState()) {
                names.addAll(handle.getStateNameToPartitionOffsets().keySet());
            }
            if (!subtask.getManagedKeyedState().isEmpty() || !subtask.getRawKeyedState().isEmpty()) {
                names.add("(keyed state)");
            }
        }
        return new SavedOperator(state.getOperatorID().toHexString(), name, state.getParallelism(),
                state.getMaxParallelism(), state.getStateSize(), names, state.getCoordinatorState() != null);
    }

    Map<String, Object> toJson() {
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("operatorId", operatorId);
        json.put("name", name);
        json.put("parallelism", parallelism);
        json.put("maxParallelism", maxParallelism);
        json.put("stateBytes", stateBytes);
        json.put("states", stateNames);
        json.put("coordinatorState", coordinatorState);
        return json;
    }
}
