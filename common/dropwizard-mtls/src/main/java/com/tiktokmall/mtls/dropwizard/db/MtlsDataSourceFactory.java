package com.tiktokmall.mtls.dropwizard.db;

import com.codahale.metrics.MetricRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.db.ManagedDataSource;

/**
 * A copy of a service's {@code database} settings whose pools retire their connections when the
 * TLS material changes and explain refusals; every other setting is copied through Jackson.
 */
final class MtlsDataSourceFactory extends DataSourceFactory {
    private DatabaseTls tls;

    MtlsDataSourceFactory() {
    }

    static MtlsDataSourceFactory copyOf(DataSourceFactory database, ObjectMapper mapper, DatabaseTls tls) {
        MtlsDataSourceFactory copy = mapper.convertValue(mapper.valueToTree(database), MtlsDataSourceFactory.class);
        copy.tls = tls;
        return copy;
    }

    @Override
    public ManagedDataSource build(MetricRegistry metricRegistry, String name) {
        return new RetiringDataSource(super.build(metricRegistry, name), tls);
    }
}
