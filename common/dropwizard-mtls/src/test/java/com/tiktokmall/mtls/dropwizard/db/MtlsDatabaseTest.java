package com.tiktokmall.mtls.dropwizard.db;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.tiktokmall.mtls.dropwizard.config.SettingException;
import com.tiktokmall.mtls.source.FileSource;
import com.tiktokmall.mtls.source.TlsSource;
import com.tiktokmall.mtls.testing.TestPki;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.jackson.Jackson;
import io.dropwizard.util.Duration;
import org.junit.jupiter.api.Test;

import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which databases are secured, and that securing one changes nothing but its TLS properties. */
class MtlsDatabaseTest {
    private static final ObjectMapper MAPPER = Jackson.newObjectMapper();
    private static final TestPki PKI = TestPki.create();

    @Test
    void everySettingOfThePostgresDatabaseIsKeptAndTheTlsOnesAdded() {
        DataSourceFactory database = postgres();
        database.setUser("order");
        database.setPassword("unused");
        database.setMaxSize(42);
        database.setMinSize(3);
        database.setInitialSize(3);
        database.setValidationQuery("SELECT 2");
        database.setMaxWaitForConnection(Duration.milliseconds(1234));
        database.setMaxConnectionAge(Duration.minutes(7));
        database.setValidatorClassName(Optional.of("com.example.Validator"));
        database.setCheckConnectionOnBorrow(true);
        database.setDefaultTransactionIsolation(DataSourceFactory.TransactionIsolation.SERIALIZABLE);
        database.setProperties(Map.of("connectTimeout", "5", "ApplicationName", "order"));

        DataSourceFactory secured = MtlsDatabase.secure(database, source(), MAPPER, null);

        ObjectNode expected = MAPPER.valueToTree(database);
        ObjectNode actual = MAPPER.valueToTree(secured);
        ObjectNode properties = (ObjectNode) actual.remove("properties");
        expected.remove("properties");
        assertThat(actual).isEqualTo(expected);
        assertThat(properties.get("connectTimeout").asText()).isEqualTo("5");
        assertThat(properties.get("ApplicationName").asText()).isEqualTo("order");
        assertThat(properties.get("sslmode").asText()).isEqualTo("verify-full");
        assertThat(properties.get("sslfactory").asText()).isEqualTo(PostgresSocketFactory.class.getName());
        assertThat(DatabaseTls.registered(properties.get("sslfactoryarg").asText()).source()).isNotNull();
    }

    @Test
    void anEmbeddedH2DatabaseIsLeftAsItIsWithoutReadingTheTlsFiles() {
        DataSourceFactory database = new DataSourceFactory();
        database.setUrl("jdbc:h2:./data/order");

        assertThat(MtlsDatabase.secure(database, () -> {
            throw new AssertionError("the TLS material was asked for");
        }, MAPPER, null)).isSameAs(database);
    }

    @Test
    void tlsPropertiesOfTheirOwnAreRefused() {
        DataSourceFactory database = postgres();
        database.setProperties(Map.of("sslcert", "/home/me/.postgresql/postgresql.crt"));

        assertThatThrownBy(() -> MtlsDatabase.secure(database, source(), MAPPER, null))
                .isInstanceOf(SettingException.class)
                .hasMessageStartingWith("database.properties: sets sslcert, but with tls.enabled the tls block decides");
    }

    @Test
    void anUnregisteredFactoryRefusesToConnect() {
        assertThatThrownBy(() -> new PostgresSocketFactory(new java.util.Properties()))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("is set up by MtlsBundle.database()");
    }

    private static DataSourceFactory postgres() {
        DataSourceFactory database = new DataSourceFactory();
        database.setDriverClass("org.postgresql.Driver");
        database.setUrl("jdbc:postgresql://localhost:55432/order");
        return database;
    }

    private static Supplier<TlsSource> source() {
        PKI.issue("order");
        return () -> FileSource.watching(PKI.tlsFiles("order")).build();
    }
}
