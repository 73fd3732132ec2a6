package io.tidemark.pipeline.event;

import org.apache.flink.api.common.ExecutionConfig;
import org.apache.flink.api.common.serialization.SerializerConfig;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.common.typeutils.TypeSerializer;

/** Flink type information for {@link ChangeEvent}, always using {@link ChangeEventSerializer}. */
public final class ChangeEventTypeInfo extends TypeInformation<ChangeEvent> {

    private static final long serialVersionUID = 1L;

    public static final ChangeEventTypeInfo INSTANCE = new ChangeEventTypeInfo();

    @Override
    public boolean isBasicType() {
        return false;
    }

    @Override
    public boolean isTupleType() {
        return false;
    }

    @Override
    public int getArity() {
        return 1;
    }

    @Override
    public int getTotalFields() {
        return 1;
    }

    @Override
    public Class<ChangeEvent> getTypeClass() {
        return ChangeEvent.class;
    }

    @Override
    public boolean isKeyType() {
        return false;
    }

    @Override
    public TypeSerializer<ChangeEvent> createSerializer(SerializerConfig config) {
        return ChangeEventSerializer.INSTANCE;
    }

    @Override
    @SuppressWarnings("deprecation")
    public TypeSerializer<ChangeEvent> createSerializer(ExecutionConfig config) {
        return ChangeEventSerializer.INSTANCE;
    }

    @Override
    public String toString() {
        return "ChangeEvent";
    }

    @Override
    public boolean equals(Object obj) {
        return obj instanceof ChangeEventTypeInfo;
    }

    @Override
    public int hashCode() {
        return ChangeEventTypeInfo.class.hashCode();
    }

    @Override
    public boolean canEqual(Object obj) {
        return obj instanceof ChangeEventTypeInfo;
    }
}
