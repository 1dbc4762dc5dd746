package com.tiktokmall.mtls.dropwizard.db;

import io.dropwizard.core.setup.Environment;
import io.dropwizard.db.DataSourceFactory;
import io.dropwizard.jdbi3.JdbiFactory;
import io.dropwizard.migrations.CloseableLiquibase;
import io.dropwizard.migrations.CloseableLiquibaseWithClassPathMigrationsFile;
import liquibase.Contexts;
import org.jdbi.v3.core.Jdbi;

/**
 * A service's database, ready for use: owner-only H2 files, the Liquibase migrations applied
 * (every replica may do it: Liquibase locks), then Dropwizard's managed JDBI with its health check.
 */
public final class MigratedJdbi {
    private MigratedJdbi() {
    }

    /**
     * @param database   the data source as {@link MtlsDatabase#secure} returned it
     * @param migrations the Liquibase changelog on the class path, e.g. {@code migrations/order.xml}
     * @param name       the prefix of the pools' names and metrics ({@code order}: {@code order-db})
     */
    public static Jdbi build(Environment environment, DataSourceFactory database, String migrations, String name)
            throws Exception {
        PrivateH2Files.prepare(database.getUrl());
        try (CloseableLiquibase liquibase = new CloseableLiquibaseWithClassPathMigrationsFile(
                database.build(environment.metrics(), name + "-migrations"), migrations)) {
            liquibase.update(new Contexts());
        }
        return new JdbiFactory().build(environment, database, name + "-db");
    }
}
