package com.tiktokmall.mtls.dropwizard.limits;

import com.fasterxml.jackson.annotation.JsonProperty;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.jersey.validation.Validators;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Valid;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import org.junit.jupiter.api.Test;

import java.util.Set;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;

/** Validation paths name properties as JSON and YAML write them. */
class JsonPropertyNamesTest {
    private static final Validator VALIDATOR = Validators.newConfiguration()
            .propertyNodeNameProvider(new JsonPropertyNames(Jackson.newObjectMapper()))
            .buildValidatorFactory().getValidator();

    record Card(@JsonProperty("card_number") @Pattern(regexp = "[0-9]+") String cardNumber) {
    }

    record Charge(@JsonProperty("credit_card") @NotNull @Valid Card creditCard, @NotNull String plain) {
    }

    static class Block {
        @JsonProperty("server_cert")
        @NotNull
        private String serverCert;
    }

    @Test
    void recordComponentsByTheirJsonNamesNestedToo() {
        assertThat(paths(VALIDATOR.validate(new Charge(new Card("x"), null))))
                .containsExactlyInAnyOrder("credit_card.card_number", "plain");
    }

    @Test
    void fieldsOfAConfigurationBlockByTheirYamlKeys() {
        assertThat(paths(VALIDATOR.validate(new Block()))).containsExactly("server_cert");
    }

    private static Set<String> paths(Set<? extends ConstraintViolation<?>> violations) {
        return violations.stream().map(v -> v.getPropertyPath().toString()).collect(Collectors.toSet());
    }
}
