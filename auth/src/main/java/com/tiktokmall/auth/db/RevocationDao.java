package com.tiktokmall.auth.db;

import org.jdbi.v3.core.statement.UnableToExecuteStatementException;
import org.jdbi.v3.sqlobject.customizer.Bind;
import org.jdbi.v3.sqlobject.statement.SqlQuery;
import org.jdbi.v3.sqlobject.statement.SqlUpdate;

import java.sql.SQLException;
import java.time.Instant;

/**
 * Revoked token ids with the tokens' expiry. A row is needed only until that expiry: an expired
 * token is refused anyway, so {@link #purge} deletes the rows past it.
 */
public interface RevocationDao {
    String UNIQUE_VIOLATION = "23505";

    @SqlQuery("SELECT COUNT(*) > 0 FROM revoked_tokens WHERE jti = :jti")
    boolean isRevoked(@Bind("jti") String jti);

    @SqlUpdate("INSERT INTO revoked_tokens (jti, expires_at, revoked_at) VALUES (:jti, :expiresAt, :revokedAt)")
    void insert(@Bind("jti") String jti, @Bind("expiresAt") Instant expiresAt, @Bind("revokedAt") Instant revokedAt);

    /**
     * Deletes at most {@code limit} revocations of tokens that expired before {@code now}; returns
     * how many. Replicas may run it at once: a row another one deleted first is simply not deleted
     * again. There is no index on {@code expires_at}: the table holds at most the revocations of one
     * token lifetime, which the rate limit bounds, and a scan every purge interval is cheap.
     */
    @SqlUpdate("DELETE FROM revoked_tokens WHERE jti IN "
            + "(SELECT jti FROM revoked_tokens WHERE expires_at < :now LIMIT :limit)")
    int purge(@Bind("now") Instant now, @Bind("limit") int limit);

    @SqlQuery("SELECT COUNT(*) FROM revoked_tokens")
    long count();

    /** Records the revocation; a second revocation of the same token changes nothing. */
    default void revoke(String jti, Instant expiresAt, Instant revokedAt) {
        try {
            insert(jti, expiresAt, revokedAt);
        } catch (UnableToExecuteStatementException e) {
            if (!(e.getCause() instanceof SQLException sql) || !UNIQUE_VIOLATION.equals(sql.getSQLState())) {
                throw e;
            }
        }
    }
}
