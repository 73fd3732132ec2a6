package io.tidemark.pipeline.config;

import org.apache.flink.configuration.ConfigOption;
import org.apache.flink.configuration.description.HtmlFormatter;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Keeps {@code docs/configuration.md} in step with the option declarations: each section's table in
 * the document must be exactly the one rendered here from the declarations.
 */
class ConfigurationDocTest {

    private static final Path DOC = Path.of("..", "docs", "configuration.md");

    private static final Map<Class<?>, OptionSection> SECTIONS_BY_CLASS = Map.of(
            PipelineOptions.class, PipelineOptions.SECTION,
            PostgresSourceOptions.class, PostgresSourceOptions.SECTION,
            MySqlSourceOptions.class, MySqlSourceOptions.SECTION,
            JdbcSinkOptions.class, JdbcSinkOptions.SECTION,
            RedisSinkOptions.class, RedisSinkOptions.SECTION,
            RouteOptions.class, RouteOptions.SECTION,
            DeadLetterQueueOptions.class, DeadLetterQueueOptions.SECTION,
            CheckpointOptions.class, CheckpointOptions.SECTION);

    @Test
    void everyDeclaredOptionBelongsToItsSection() throws Exception {
        assertThat(PipelineConfigLoader.SECTIONS).containsExactlyInAnyOrderElementsOf(SECTIONS_BY_CLASS.values());
        for (Map.Entry<Class<?>, OptionSection> entry : SECTIONS_BY_CLASS.entrySet()) {
            List<ConfigOption<?>> declared = declaredOptions(entry.getKey());
            List<ConfigOption<?>> inSection =
                    entry.getValue().fields().stream().map(OptionField::option).collect(Collectors.toList());
            assertThat(inSection).as(entry.getKey().getSimpleName()).containsExactlyInAnyOrderElementsOf(declared);
        }
    }

    @Test
    void documentListsEveryKeyWithItsTypeDefaultAndDescription() throws Exception {
        String doc = Files.readString(DOC);
        for (OptionSection section : PipelineConfigLoader.SECTIONS) {
            String table = table(section);
            assertThat(doc)
                    .as("%s must contain this table for section %s (regenerate it from the declarations):%n%s",
                            DOC, section.name(), table)
                    .contains(table);
        }
    }

    static String table(OptionSection section) {
        StringBuilder table = new StringBuilder("| Key | Type | Default | Description |\n| --- | --- | --- | --- |\n");
        for (OptionField<?> field : section.fields()) {
            table.append("| `")
                    .append(field.key())
                    .append("` | ")
                    .append(cell(field.type().description()))
                    .append(" | ")
                    .append(cell(field.documentedDefault()))
                    .append(" | ")
                    .append(cell(new HtmlFormatter().format(field.option().description())))
                    .append(" |\n");
        }
        return table.toString();
    }

    private static String cell(String text) {
        return text.replace("|", "\\|");
    }

    private static List<ConfigOption<?>> declaredOptions(Class<?> options) throws IllegalAccessException {
        List<ConfigOption<?>> declared = new java.util.ArrayList<>();
        for (Field field : Arrays.asList(options.getDeclaredFields())) {
            if (Modifier.isStatic(field.getModifiers()) && ConfigOption.class.equals(field.getType())) {
                declared.add((ConfigOption<?>) field.get(null));
            }
        }
        return declared;
    }
}
