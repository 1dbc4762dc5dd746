package com.tiktokmall.mtls.dropwizard.limits;

import com.tiktokmall.mtls.dropwizard.config.LimitsConfiguration;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.CoercionAction;
import com.fasterxml.jackson.databind.cfg.CoercionInputShape;
import com.fasterxml.jackson.databind.type.LogicalType;

import java.util.List;

/**
 * JSON read as written, within bounds: no number from a string ({@code "3"}), no integer from a
 * fraction ({@code 1.9}), no string from a number, a key twice is an error rather than the last
 * one winning, and the document's size, depth, strings and numbers are bounded.
 * Jackson's defaults allow all of it.
 */
public final class StrictJson {
    private static final List<CoercionInputShape> FROM_TEXT = List.of(CoercionInputShape.String,
            CoercionInputShape.EmptyString);

    private StrictJson() {
    }

    /**
     * Makes {@code mapper} strict. Call it after the configuration file has been read, which may
     * rightly turn "8443" into a port number.
     */
    public static void apply(ObjectMapper mapper, LimitsConfiguration limits) {
        mapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxDocumentLength(limits.getMaxRequestBody())
                .maxNestingDepth(limits.getMaxJsonDepth())
                .maxStringLength(limits.getMaxJsonStringLength())
                .maxNameLength(Math.min(limits.getMaxJsonStringLength(), 1024))
                .maxNumberLength(limits.getMaxJsonNumberLength())
                .build());
        mapper.enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
        mapper.disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT);
        for (LogicalType scalar : List.of(LogicalType.Integer, LogicalType.Float, LogicalType.Boolean)) {
            for (CoercionInputShape shape : FROM_TEXT) {
                mapper.coercionConfigFor(scalar).setCoercion(shape, CoercionAction.Fail);
            }
        }
        mapper.coercionConfigFor(LogicalType.Integer)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Float).setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Boolean).setCoercion(CoercionInputShape.Integer, CoercionAction.Fail);
        mapper.coercionConfigFor(LogicalType.Textual)
                .setCoercion(CoercionInputShape.Integer, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Float, CoercionAction.Fail)
                .setCoercion(CoercionInputShape.Boolean, CoercionAction.Fail);
    }
}
