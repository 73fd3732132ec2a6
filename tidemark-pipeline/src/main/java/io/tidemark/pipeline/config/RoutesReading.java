package io.tidemark.pipeline.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.flink.configuration.Configuration;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static io.tidemark.pipeline.config.PipelineConfigLoader.ROUTES;

/**
 * Reads the {@code routes} list of a pipeline file: each route's keys, that it names a captured
 * table and an existing sink, that no route comes twice and no sink table receives two source
 * tables' rows by mistake; without the list, every source table goes to the one sink.
 */
final class RoutesReading {

    private final Problems problems;

    RoutesReading(Problems problems) {
        this.problems = problems;
    }

    /**
     * @param node the {@code routes} node, or null if the file has none
     * @param misspelled whether the file has a key that was taken for a misspelling of {@code routes}
     * @param sourceTables the source's tables, or null if the source could not be read
     * @param sinkNames the sinks' names in file order (null where a name is invalid)
     * @param sinkNamesComplete false when some sink has no valid name, so a route to an unknown one may be fine
     */
    List<RouteDef> read(JsonNode node, boolean misspelled, List<String> sourceTables, List<String> sinkNames,
            boolean sinkNamesComplete) {
        if (node == null || node.isNull()) {
            return misspelled ? List.of() : defaultRoutes(sourceTables, sinkNames);
        }
        if (!node.isArray()) {
            problems.add(ROUTES, "expected a list of routes, got " + ValueTypes.describe(node));
            return List.of();
        }
        List<String> validNames = sinkNames.stream().filter(n -> n != null).toList();
        List<RouteDef> routes = new ArrayList<>();
        Map<RouteDef, Integer> routeIndex = new HashMap<>();
        Map<List<String>, Integer> targetIndex = new HashMap<>();
        Set<String> routed = new HashSet<>();
        for (int i = 0; i < node.size(); i++) {
            String path = Problems.index(ROUTES, i);
            JsonNode item = node.get(i);
            if (!item.isObject()) {
                problems.add(path, "expected a mapping, got " + ValueTypes.describe(item));
                continue;
            }
            Configuration values = RouteOptions.SECTION.read((ObjectNode) item, path, problems);
            String sourceTable = values.get(RouteOptions.SOURCE_TABLE);
            String sink = values.get(RouteOptions.SINK);
            String sinkTable = item.hasNonNull(RouteOptions.SINK_TABLE.key())
                    ? values.get(RouteOptions.SINK_TABLE)
                    : sourceTable;
            boolean valid = sourceTable != null && sink != null && sinkTable != null;
            if (sourceTable != null && sourceTables != null && !sourceTables.contains(sourceTable)) {
                problems.add(
                        Problems.child(path, RouteOptions.SOURCE_TABLE.key()),
                        sourceTable + " is not in source.tables; add it there or use one of " + sourceTables);
                valid = false;
            } else if (sourceTable != null) {
                routed.add(sourceTable);
            }
            if (sink != null && sinkNamesComplete && !validNames.contains(sink)) {
                problems.add(
                        Problems.child(path, RouteOptions.SINK.key()),
                        "no sink named " + sink + "; use one of " + sinkNames);
                valid = false;
            }
            if (!valid) {
                continue;
            }
            RouteDef route = new RouteDef(sourceTable, sink, sinkTable);
            List<String> target = List.of(sink, sinkTable);
            if (routeIndex.containsKey(route)) {
                problems.add(path, "same route as " + Problems.index(ROUTES, routeIndex.get(route)) + "; remove one");
            } else if (targetIndex.containsKey(target)) {
                problems.add(
                        Problems.child(path, RouteOptions.SINK_TABLE.key()),
                        sinkTable + " in sink " + sink + " is already written by "
                                + Problems.index(ROUTES, targetIndex.get(target))
                                + "; give each source table its own sink table");
            } else {
                routeIndex.put(route, i);
                targetIndex.put(target, i);
                routes.add(route);
            }
        }
        if (sourceTables != null) {
            for (String table : sourceTables) {
                if (!routed.contains(table)) {
                    problems.add(
                            ROUTES,
                            "source table " + table + " has no route; add a route or remove it from source.tables");
                }
            }
        }
        return routes;
    }

    /** Without routes, every source table goes to the only sink under the same name. */
    private List<RouteDef> defaultRoutes(List<String> sourceTables, List<String> sinkNames) {
        if (sinkNames.size() > 1) {
            problems.add(ROUTES, "required when there is more than one sink; add a route for each source table");
            return List.of();
        }
        if (sinkNames.isEmpty() || sinkNames.get(0) == null || sourceTables == null) {
            return List.of();
        }
        String sink = sinkNames.get(0);
        return sourceTables.stream().map(table -> new RouteDef(table, sink, table)).toList();
    }
}
