package com.tiktokmall.mtls.dropwizard.limits;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.introspect.BeanPropertyDefinition;
import org.hibernate.validator.spi.nodenameprovider.JavaBeanProperty;
import org.hibernate.validator.spi.nodenameprovider.Property;
import org.hibernate.validator.spi.nodenameprovider.PropertyNodeNameProvider;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Names properties in validation messages as they are written in JSON and YAML
 * ({@code credit_card.number}, {@code tls.server_cert}) rather than as Java fields, so that a
 * message names the key its reader wrote (after Hibernate Validator's documented example). Names
 * are looked up on the class that declares the constrained field or getter; a name given only by
 * a subclass's override is not seen.
 */
public final class JsonPropertyNames implements PropertyNodeNameProvider {
    private final ObjectMapper mapper;
    private final Map<Class<?>, Map<String, String>> names = new ConcurrentHashMap<>();

    public JsonPropertyNames(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    @Override
    public String getName(Property property) {
        if (property instanceof JavaBeanProperty bean) {
            return names.computeIfAbsent(bean.getDeclaringClass(), this::jsonNames)
                    .getOrDefault(property.getName(), property.getName());
        }
        return property.getName();
    }

    private Map<String, String> jsonNames(Class<?> type) {
        Map<String, String> byField = new ConcurrentHashMap<>();
        for (BeanPropertyDefinition definition : mapper.getDeserializationConfig()
                .introspect(mapper.constructType(type)).findProperties()) {
            byField.put(definition.getInternalName(), definition.getName());
        }
        return byField;
    }
}
