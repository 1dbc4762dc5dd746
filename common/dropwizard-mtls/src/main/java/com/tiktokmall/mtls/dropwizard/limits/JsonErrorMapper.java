package com.tiktokmall.mtls.dropwizard.limits;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.InputCoercionException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.exc.StreamReadException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.InvalidDefinitionException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.tiktokmall.mtls.Certificates;
import io.dropwizard.jersey.errors.ErrorMessage;
import jakarta.annotation.Priority;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.math.BigInteger;
import java.time.temporal.Temporal;
import java.util.Arrays;
import java.util.Collection;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A request body that is not the JSON expected, answered with the field at fault and what it must
 * be: 400 for JSON that does not parse (a syntax error, a key given twice, a limit exceeded) and
 * 422 for a value of the wrong type ({@code "quantity": 1.9}, {@code "user_id": "42"}), e.g.
 * {@code {"code":422,"message":"items[0].quantity must be a whole number"}}. The caller's values
 * are never echoed; field names are escaped. Dropwizard's own mapper would say only "Unable to
 * process JSON". Registered ahead of it.
 */
@Priority(1)
final class JsonErrorMapper implements ExceptionMapper<JsonProcessingException> {
    private static final Logger LOG = LoggerFactory.getLogger(JsonErrorMapper.class);
    private static final Pattern DUPLICATE = Pattern.compile("Duplicate (?:field|Object property) '");
    private static final int MAX_FIELD_CHARS = 64;
    private static final Map<String, String> CONSTRAINTS = Map.of(
            "Document nesting depth", "the JSON is nested too deeply",
            "String value length", "a JSON string is too long",
            "Number value length", "a JSON number has too many digits",
            "Name length", "a JSON key is too long",
            "Document length", "the JSON document is too long");

    @Override
    public Response toResponse(JsonProcessingException exception) {
        if (exception instanceof InvalidDefinitionException) {
            LOG.error("a request body cannot be bound: the server's types are wrong", exception);
            return answer(500, "the server cannot read this request; the error is logged");
        }
        StreamConstraintsException limit = find(exception, StreamConstraintsException.class);
        if (limit != null) {
            return answer(400, constraint(limit));
        }
        StreamReadException parse = find(exception, StreamReadException.class);
        if (parse != null && !(parse instanceof InputCoercionException)) {
            String where = pointer(parse);
            if (parse.getOriginalMessage() != null && DUPLICATE.matcher(parse.getOriginalMessage()).find()) {
                return answer(400, where + " appears more than once");
            }
            return answer(400, "the body is not valid JSON" + (parse.getLocation() == null ? ""
                    : " (line " + parse.getLocation().getLineNr() + ", column " + parse.getLocation().getColumnNr() + ")"));
        }
        String where = exception instanceof JsonMappingException mapping ? path(mapping) : "";
        if (parse instanceof InputCoercionException coercion) {
            return answer(422, subject(where) + " is out of range for " + expected(coercion.getTargetType()));
        }
        if (exception instanceof MismatchedInputException mismatch) {
            return answer(422, subject(where) + " must be " + expected(mismatch.getTargetType()));
        }
        return answer(400, subject(where) + " cannot be read");
    }

    private static String subject(String where) {
        return where.isEmpty() ? "the body" : where;
    }

    /** "items[0].quantity", from the path Jackson recorded while binding. */
    private static String path(JsonMappingException exception) {
        StringBuilder path = new StringBuilder();
        for (JsonMappingException.Reference reference : exception.getPath()) {
            if (reference.getFieldName() != null) {
                path.append(path.length() == 0 ? "" : ".").append(field(reference.getFieldName()));
            } else if (reference.getIndex() >= 0) {
                path.append('[').append(reference.getIndex()).append(']');
            }
        }
        return path.toString();
    }

    /** "items[0].quantity", from where the parser stood: for errors found while parsing. */
    private static String pointer(StreamReadException exception) {
        JsonParser parser = exception.getProcessor();
        if (parser == null || parser.getParsingContext() == null) {
            return "a key";
        }
        StringBuilder path = new StringBuilder();
        for (JsonPointer pointer = parser.getParsingContext().pathAsPointer(); !pointer.matches(); pointer = pointer.tail()) {
            if (pointer.getMatchingIndex() >= 0) {
                path.append('[').append(pointer.getMatchingIndex()).append(']');
            } else {
                path.append(path.length() == 0 ? "" : ".").append(field(pointer.getMatchingProperty()));
            }
        }
        return path.length() == 0 ? "a key" : path.toString();
    }

    private static String field(String name) {
        String shown = name.length() > MAX_FIELD_CHARS ? name.substring(0, MAX_FIELD_CHARS) + "..." : name;
        return Certificates.printable(shown);
    }

    private static String expected(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (type == Integer.class || type == Long.class || type == Short.class || type == BigInteger.class
                || type == int.class || type == long.class || type == short.class) {
            return "a whole number";
        }
        if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (CharSequence.class.isAssignableFrom(type)) {
            return "a string";
        }
        if (type.isEnum()) {
            return "one of " + Arrays.toString(type.getEnumConstants());
        }
        if (Temporal.class.isAssignableFrom(type)) {
            return "a date and time such as 2026-01-31T12:00:00Z";
        }
        if (type.isArray() || Collection.class.isAssignableFrom(type)) {
            return "an array";
        }
        return "an object";
    }

    private static String constraint(StreamConstraintsException exception) {
        String message = String.valueOf(exception.getOriginalMessage());
        return CONSTRAINTS.entrySet().stream().filter(e -> message.startsWith(e.getKey())).map(Map.Entry::getValue)
                .findFirst().orElse("the JSON exceeds a limit of this service");
    }

    private static <T extends Throwable> T find(Throwable exception, Class<T> type) {
        for (Throwable cause = exception; cause != null; cause = cause.getCause()) {
            if (type.isInstance(cause)) {
                return type.cast(cause);
            }
        }
        return null;
    }

    private static Response answer(int status, String message) {
        return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(new ErrorMessage(status, message))
                .build();
    }
}
