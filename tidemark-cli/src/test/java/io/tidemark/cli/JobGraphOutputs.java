package io.tidemark.cli;

import io.tidemark.pipeline.config.PipelineDef;
import io.tidemark.pipeline.job.PipelineJob;

import org.apache.flink.configuration.Configuration;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobgraph.JobVertex;
import org.apache.flink.runtime.jobgraph.SavepointRestoreSettings;
import org.apache.flink.runtime.jobgraph.jsonplan.JsonPlanGenerator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.apache.flink.util.InstantiationUtil;

import java.io.ByteArrayOutputStream;
import java.util.List;

/**
 * What leaves the client for the cluster: the job graph as {@code tidemark run} and {@code restore}
 * build it and as {@link PipelineJobMain} builds it; {@code visible} is what people and tools read
 * (execution plan, the JSON plan of the Web UI and REST API, configurations, names, {@code toString()}),
 * {@code bytes} the Java serialization of both graphs, their vertices' configurations (the
 * serialized operators) and operator coordinators.
 */
record JobGraphOutputs(String visible, byte[] bytes) {

    static JobGraphOutputs of(PipelineDef def) throws Exception {
        JobGraph graph = PipelineJob.of(def).jobGraph(new Configuration(), SavepointRestoreSettings.none());
        StreamExecutionEnvironment env = StreamExecutionEnvironment.getExecutionEnvironment();
        env.configure(PipelineJobMain.jobConfiguration(def, new Configuration()));
        PipelineJob.of(def).composer().compose(env);
        StringBuilder visible = new StringBuilder(env.getExecutionPlan());
        JobGraph mainGraph = env.getStreamGraph().getJobGraph();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (JobGraph g : List.of(graph, mainGraph)) {
            visible.append(JsonPlanGenerator.generatePlan(g)).append(g.getJobConfiguration()).append(g.getName());
            bytes.write(InstantiationUtil.serializeObject(g));
            for (JobVertex vertex : g.getVertices()) {
                visible.append(vertex.getName()).append(vertex.getOperatorPrettyName()).append(vertex.getConfiguration().toMap());
                bytes.write(InstantiationUtil.serializeObject(vertex.getConfiguration()));
                bytes.write(InstantiationUtil.serializeObject(vertex.getOperatorCoordinators()));
            }
        }
        visible.append(env.getConfig()).append(env.getConfiguration()).append(def);
        return new JobGraphOutputs(visible.toString(), bytes.toByteArray());
    }
}
