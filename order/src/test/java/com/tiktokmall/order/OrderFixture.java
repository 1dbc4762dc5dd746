package com.tiktokmall.order;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;

/** The body of a valid order, from fixtures/order.json: one place to change it for every test. */
public final class OrderFixture {
    private static final ObjectMapper JSON = new ObjectMapper();

    private OrderFixture() {
    }

    /** A fresh, mutable copy of the valid order body. */
    public static Map<String, Object> order() {
        try (InputStream in = OrderFixture.class.getResourceAsStream("/fixtures/order.json")) {
            if (in == null) {
                throw new IllegalStateException("fixtures/order.json is not on the test classpath");
            }
            return JSON.readValue(in, new TypeReference<LinkedHashMap<String, Object>>() { });
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The valid order with one top-level field replaced. */
    public static Map<String, Object> with(String field, Object value) {
        Map<String, Object> body = order();
        body.put(field, value);
        return body;
    }
}
