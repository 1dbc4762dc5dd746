package com.tiktokmall.mtls.dropwizard.db;

import io.dropwizard.db.ManagedDataSource;
import org.apache.tomcat.jdbc.pool.ConnectionPool;
import org.apache.tomcat.jdbc.pool.DataSourceProxy;

import java.io.PrintWriter;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.SQLFeatureNotSupportedException;
import java.util.logging.Logger;

/**
 * Dropwizard's pool, whose connections are retired when the TLS material changes (the pool is
 * purged: idle connections are closed at once, busy ones when they are returned) and whose
 * refused connections are explained in one line.
 */
final class RetiringDataSource implements ManagedDataSource {
    private final ManagedDataSource pool;
    private final DatabaseTls tls;

    RetiringDataSource(ManagedDataSource pool, DatabaseTls tls) {
        this.pool = pool;
        this.tls = tls;
        tls.track(this);
    }

    /** Closes every connection made so far, idle ones now and busy ones when returned. */
    void retireConnections() {
        // getPool(), not purge(): purging a pool that was never used, or is closed, would create it.
        ConnectionPool connections = pool instanceof DataSourceProxy proxy ? proxy.getPool() : null;
        if (connections != null) {
            connections.purge();
        }
    }

    @Override
    public Connection getConnection() throws SQLException {
        try {
            return pool.getConnection();
        } catch (SQLException e) {
            throw tls.explain(e);
        }
    }

    @Override
    public Connection getConnection(String username, String password) throws SQLException {
        try {
            return pool.getConnection(username, password);
        } catch (SQLException e) {
            throw tls.explain(e);
        }
    }

    @Override
    public void start() throws Exception {
        pool.start();
    }

    @Override
    public void stop() throws Exception {
        tls.untrack(this);
        pool.stop();
    }

    @Override
    public PrintWriter getLogWriter() throws SQLException {
        return pool.getLogWriter();
    }

    @Override
    public void setLogWriter(PrintWriter out) throws SQLException {
        pool.setLogWriter(out);
    }

    @Override
    public void setLoginTimeout(int seconds) throws SQLException {
        pool.setLoginTimeout(seconds);
    }

    @Override
    public int getLoginTimeout() throws SQLException {
        return pool.getLoginTimeout();
    }

    @Override
    public Logger getParentLogger() throws SQLFeatureNotSupportedException {
        return pool.getParentLogger();
    }

    @Override
    public <T> T unwrap(Class<T> type) throws SQLException {
        return type.isInstance(this) ? type.cast(this) : pool.unwrap(type);
    }

    @Override
    public boolean isWrapperFor(Class<?> type) throws SQLException {
        return type.isInstance(this) || pool.isWrapperFor(type);
    }
}
